// What the server hands a training worker process: one job, where its files are, and the
// limits it runs under. Written as JSON beside the job; the worker reads it at start.
import AEModel
import Foundation

/// Everything a training worker needs to run (or resume) one job.
public struct WorkerAssignment: Codable, Sendable, Equatable {
    /// The job's id, recorded in the checkpoint's metadata.
    public var jobID: String
    /// A fresh model's architecture (nil when fine-tuning `baseCheckpoint`).
    public var architecture: Architecture?
    /// The checkpoint to fine-tune (nil for a fresh model).
    public var baseCheckpoint: String?
    /// Where the data comes from (inline vectors are in `vectorsFile`, not here).
    public var dataset: DatasetSpec
    /// A JSON file holding the inline vectors, when the dataset has them.
    public var vectorsFile: String?
    /// The folders dataset paths are confined to.
    public var dataRoots: [String]
    /// The files of the uploaded datasets the job names, by id.
    public var uploads: [String: UploadedFile]?
    /// The training options.
    public var training: TrainingOptions
    /// The resumable state: read when it exists, written after every epoch.
    public var stateFile: String
    /// Where the finished checkpoint is written.
    public var outputFile: String
    /// Where the finished model's calibration (calibration.json) is written.
    public var calibrationFile: String
    /// Cores the worker's math may use.
    public var threads: Int
    /// The worker's data-segment limit in bytes (RLIMIT_DATA); nil for none.
    public var memoryLimitBytes: Int?
    /// How often the training thread yields its core, in microseconds; 0 for never.
    public var yieldIntervalMicroseconds: Int
    /// The server's process id: a worker whose parent is already gone exits at once.
    public var parentProcessID: Int32

    /// An assignment; see each property.
    public init(jobID: String, architecture: Architecture?, baseCheckpoint: String?, dataset: DatasetSpec,
                vectorsFile: String?, dataRoots: [String], uploads: [String: UploadedFile]? = nil,
                training: TrainingOptions, stateFile: String,
                outputFile: String, calibrationFile: String, threads: Int, memoryLimitBytes: Int?, yieldIntervalMicroseconds: Int,
                parentProcessID: Int32) {
        self.jobID = jobID
        self.architecture = architecture
        self.baseCheckpoint = baseCheckpoint
        self.dataset = dataset
        self.vectorsFile = vectorsFile
        self.dataRoots = dataRoots
        self.uploads = uploads
        self.training = training
        self.stateFile = stateFile
        self.outputFile = outputFile
        self.calibrationFile = calibrationFile
        self.threads = threads
        self.memoryLimitBytes = memoryLimitBytes
        self.yieldIntervalMicroseconds = yieldIntervalMicroseconds
        self.parentProcessID = parentProcessID
    }

    enum CodingKeys: String, CodingKey {
        case architecture, dataset, training, threads, uploads
        case jobID = "job_id"
        case baseCheckpoint = "base_checkpoint"
        case vectorsFile = "vectors_file"
        case dataRoots = "data_roots"
        case stateFile = "state_file"
        case outputFile = "output_file"
        case calibrationFile = "calibration_file"
        case memoryLimitBytes = "memory_limit_bytes"
        case yieldIntervalMicroseconds = "yield_interval_microseconds"
        case parentProcessID = "parent_process_id"
    }
}

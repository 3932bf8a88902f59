// Where jobs live: one JSON file per job under the state folder, and beside it the files of a
// running job (its worker's assignment, resumable state, log, inline vectors, base and output
// checkpoints). Every write is atomic; temporary files an interrupted write left are removed.
import AECheckpoint
import AETraining
import Foundation

/// Persistence for training jobs: `<root>/<id>.json` and `<root>/<id>.<part>` files.
public struct JobStore: Sendable {
    /// The folder holding the files.
    public let root: URL

    /// A store in `root`, created when missing; temporary files of writes that a crash
    /// interrupted are removed.
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        AtomicFile.removeLeftovers(in: root)
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    /// Writes `job` (a crash leaves the old or the new file, never half of one). Inline vectors
    /// never change: they are written once beside the job, not again with every update.
    public func save(_ job: TrainingJob) throws {
        if let vectors = job.request.dataset.vectors {
            let url = vectorsURL(jobID: job.id)
            if !FileManager.default.fileExists(atPath: url.path) {
                try AtomicFile.write(JSONEncoder().encode(vectors), to: url)
            }
        }
        try AtomicFile.write(Self.encoder.encode(job), to: root.appendingPathComponent("\(job.id).json"))
    }

    /// Every stored job; files that cannot be read are skipped.
    public func loadAll() throws -> [TrainingJob] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
        return names.filter(Self.isJobFile)
            .compactMap { name -> TrainingJob? in
                guard var job = try? decoder.decode(TrainingJob.self, from: Data(contentsOf: root.appendingPathComponent(name)))
                else { return nil }
                if job.request.dataset.path == nil, job.request.dataset.vectors == nil {
                    job.request.dataset.vectors = try? JSONDecoder().decode(
                        [[Float]].self, from: Data(contentsOf: vectorsURL(jobID: job.id)))
                }
                return job
            }
    }

    /// Whether `name` is a job's own file (`<id>.json`), not one of its parts.
    private static func isJobFile(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".json") && name.split(separator: ".").count == 2
    }

    /// Writes a worker's assignment and returns where.
    func saveAssignment(_ assignment: WorkerAssignment, jobID id: String) throws -> URL {
        let url = file(id, "assignment.json")
        try AtomicFile.write(JSONEncoder().encode(assignment), to: url)
        return url
    }

    /// Writes the checkpoint a fine-tuning job starts from and returns where.
    func saveBaseCheckpoint(_ checkpoint: SafeTensorsFile, jobID id: String) throws -> URL {
        let url = file(id, "base.safetensors")
        try SafeTensors.write(checkpoint, to: url)
        return url
    }

    /// Whether job `id` has resumable state (a worker finished an epoch of it).
    func hasState(jobID id: String) -> Bool {
        FileManager.default.fileExists(atPath: stateURL(jobID: id).path)
    }

    /// The resumable state the worker writes after each epoch.
    func stateURL(jobID id: String) -> URL { file(id, "state.safetensors") }
    /// The checkpoint the worker writes at the end.
    func outputURL(jobID id: String) -> URL { file(id, "model.safetensors") }
    /// The calibration the worker writes beside its checkpoint.
    func calibrationURL(jobID id: String) -> URL { file(id, "calibration.json") }
    /// The worker's standard error.
    func workerLogURL(jobID id: String) -> URL { file(id, "worker.log") }
    /// The job's inline vectors.
    func vectorsURL(jobID id: String) -> URL { file(id, "vectors.json") }

    /// Removes a finished job's working files; the log stays when asked (a failure's evidence).
    func removeFiles(jobID id: String, keepingLog: Bool = false) {
        var parts = ["assignment.json", "base.safetensors", "state.safetensors", "model.safetensors", "calibration.json"]
        if !keepingLog { parts.append("worker.log") }
        for part in parts { try? FileManager.default.removeItem(at: file(id, part)) }
    }

    private func file(_ id: String, _ part: String) -> URL {
        root.appendingPathComponent("\(id).\(part)")
    }
}

// A training job as the API shows it and the job store keeps it: what was asked, where it
// stands, and what came of it.
import AEData
import AEModel
import AETraining
import Foundation

/// What a `POST /train-job` body asks for.
public struct TrainingJobRequest: Codable, Sendable, Equatable {
    /// The model to write a new version of.
    public var model: String
    /// A fresh model's architecture (or `baseVersion`).
    public var architecture: Architecture?
    /// Fine-tune this version of `model` instead of starting fresh.
    public var baseVersion: Int?
    /// The training data.
    public var dataset: DatasetSpec
    /// Training options (defaults for what is left out).
    public var training: TrainingOptions
    /// Serve the new version as soon as it is written.
    public var activate: Bool

    /// A request; see the API documentation for each field.
    public init(model: String, architecture: Architecture? = nil, baseVersion: Int? = nil, dataset: DatasetSpec,
                training: TrainingOptions = TrainingOptions(), activate: Bool = true) {
        self.model = model
        self.architecture = architecture
        self.baseVersion = baseVersion
        self.dataset = dataset
        self.training = training
        self.activate = activate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, architecture, dataset, training, activate
        case baseVersion = "base_version"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        architecture = try c.decodeIfPresent(Architecture.self, forKey: .architecture)
        baseVersion = try c.decodeIfPresent(Int.self, forKey: .baseVersion)
        dataset = try c.decode(DatasetSpec.self, forKey: .dataset)
        training = try c.decodeIfPresent(TrainingOptions.self, forKey: .training) ?? TrainingOptions()
        activate = try c.decodeIfPresent(Bool.self, forKey: .activate) ?? true
    }
}

/// A job's lifecycle: queued → running → succeeded | failed | cancelled.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Whether the job has ended.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// How far a running job is.
public struct JobProgress: Codable, Sendable, Equatable {
    /// Progress at `epoch` of `epochs`, with what the last epoch measured.
    public init(epoch: Int, epochs: Int, samplesPerSecond: Double? = nil, trainLoss: Double? = nil,
                validationLoss: Double? = nil, etaSeconds: Double? = nil) {
        self.epoch = epoch
        self.epochs = epochs
        self.samplesPerSecond = samplesPerSecond
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.etaSeconds = etaSeconds
    }

    /// Epochs completed.
    public var epoch: Int
    /// Epochs asked for.
    public var epochs: Int
    /// Training samples per second in the last epoch.
    public var samplesPerSecond: Double?
    /// Training loss of the last epoch.
    public var trainLoss: Double?
    /// Validation loss of the last epoch.
    public var validationLoss: Double?
    /// Estimated seconds to the end.
    public var etaSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case epoch, epochs
        case samplesPerSecond = "samples_per_second"
        case trainLoss = "train_loss"
        case validationLoss = "validation_loss"
        case etaSeconds = "eta_seconds"
    }
}

/// The model version a succeeded job wrote.
public struct JobResult: Codable, Sendable, Equatable {
    /// The model's name.
    public var model: String
    /// The version written.
    public var version: Int
    /// Whether it is being served.
    public var activated: Bool
    /// Final losses.
    public var trainLoss: Double?
    public var validationLoss: Double?

    enum CodingKeys: String, CodingKey {
        case model, version, activated
        case trainLoss = "train_loss"
        case validationLoss = "validation_loss"
    }
}

/// One training job.
public struct TrainingJob: Codable, Sendable, Equatable {
    /// Unique identifier, used in URLs.
    public var id: String
    /// Submission order: a number that only grows, so jobs run in the order they came.
    public var sequence: Int
    /// Where it is in its lifecycle.
    public var state: JobState
    /// What was asked.
    public var request: TrainingJobRequest
    /// Submission time.
    public var createdAt: Date
    /// When training (last) started.
    public var startedAt: Date?
    /// When it ended.
    public var finishedAt: Date?
    /// Progress of a running or ended job.
    public var progress: JobProgress
    /// One record per finished epoch.
    public var history: [EpochRecord]
    /// The version written, once succeeded.
    public var result: JobResult?
    /// Why it failed (or, while it runs, why its last worker died).
    public var error: String?
    /// The `Idempotency-Key` it was submitted with.
    public var idempotencyKey: String?
    /// SHA-256 of the submitted body, to tell a retry from a different request with the same key.
    public var requestDigest: String?
    /// How many times it was resumed after a restart.
    public var resumed: Int
    /// Worker processes started for it that did not stop cleanly on request.
    public var attempts: Int

    /// A new job; see each property.
    public init(id: String, sequence: Int, state: JobState, request: TrainingJobRequest, createdAt: Date,
                progress: JobProgress, idempotencyKey: String? = nil, requestDigest: String? = nil) {
        self.id = id
        self.sequence = sequence
        self.state = state
        self.request = request
        self.createdAt = createdAt
        self.progress = progress
        self.history = []
        self.idempotencyKey = idempotencyKey
        self.requestDigest = requestDigest
        self.resumed = 0
        self.attempts = 0
    }

    enum CodingKeys: String, CodingKey {
        case id, sequence, state, request, progress, history, result, error, resumed, attempts
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case idempotencyKey = "idempotency_key"
        case requestDigest = "request_digest"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        // Files written before sequence numbers and attempts existed order by creation time.
        sequence = try c.decodeIfPresent(Int.self, forKey: .sequence) ?? 0
        state = try c.decode(JobState.self, forKey: .state)
        request = try c.decode(TrainingJobRequest.self, forKey: .request)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        progress = try c.decode(JobProgress.self, forKey: .progress)
        history = try c.decode([EpochRecord].self, forKey: .history)
        result = try c.decodeIfPresent(JobResult.self, forKey: .result)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        requestDigest = try c.decodeIfPresent(String.self, forKey: .requestDigest)
        resumed = try c.decodeIfPresent(Int.self, forKey: .resumed) ?? 0
        attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
    }
}

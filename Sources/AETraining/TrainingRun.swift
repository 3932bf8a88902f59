// One training run from samples to a checkpoint with its metadata: the recipe that
// `aeserve train` and the training worker share, so it exists once.
import AECheckpoint
import AEMath
import AEModel
import Foundation

/// A training run: a trainer over the data, then the model, its facts and its checkpoint.
///
/// ```swift
/// var run = try TrainingRun(start: .fresh(architecture), data: samples, options: options, datasetName: "train.idx")
/// let outcome = try run.run(onEpoch: { record, state in try save(state) })
/// try ModelStore(root: models).writeNewVersion(name: "m", file: outcome.checkpoint, companions: outcome.companions)
/// ```
public struct TrainingRun: Sendable {
    /// Where the weights start from.
    public enum Start: Sendable {
        /// The architecture of the model the run trains.
        public var architecture: Architecture {
            switch self {
            case .fresh(let architecture): architecture
            case .fineTune(let model): model.architecture
            case .resume(let state): state.model.architecture
            }
        }

        /// A new model, with weights seeded by the options' seed.
        case fresh(Architecture)
        /// A trained model, fine-tuned with a fresh optimizer.
        case fineTune(Autoencoder<Float>)
        /// A run stopped after some epochs, continued exactly where it stopped.
        case resume(TrainingState)
    }

    /// The options of the run.
    public let options: TrainingOptions
    /// The trainer, whose `state` is the resumable state as of the last finished epoch.
    public private(set) var trainer: Trainer
    private let datasetName: String
    private let testSet: Matrix<Float>?
    private let classes: [Int]?
    private let extraMetadata: [String: String]

    /// A run over `data` (one sample per row). `datasetName` goes into the checkpoint's
    /// metadata; a `testSet` adds its reconstruction MSE; `classes` says which classes of a
    /// labelled dataset `data` holds (one-class training); `extraMetadata` adds keys (a job id).
    public init(start: Start, data: Matrix<Float>, options: TrainingOptions, datasetName: String,
                testSet: Matrix<Float>? = nil, classes: [Int]? = nil, extraMetadata: [String: String] = [:]) throws {
        switch start {
        case .fresh(let architecture):
            trainer = try Trainer(architecture: architecture, data: data, options: options)
        case .fineTune(let model):
            trainer = try Trainer(state: TrainingState(model: model, options: options), data: data, options: options)
        case .resume(let state):
            trainer = try Trainer(state: state, data: data, options: options)
        }
        if let testSet, testSet.columns != trainer.state.model.architecture.inputDimension {
            throw TrainingError.invalidData("""
                the test set has \(testSet.columns) values per sample; the model expects input_dim \
                \(trainer.state.model.architecture.inputDimension)
                """)
        }
        self.options = options
        self.datasetName = datasetName
        self.testSet = testSet
        self.classes = classes
        self.extraMetadata = extraMetadata
    }

    /// The resumable state as of the last finished epoch.
    public var state: TrainingState { trainer.state }

    /// About how many bytes a run of `architecture` over `samples` rows in batches of
    /// `batchSize` holds at its peak: the data twice (the samples and a split's copy), every
    /// parameter six times (weights, gradients, two optimizer moments, the best epoch's copy,
    /// the saved state), a batch's activations three times (forward, backward, the loss) and
    /// 256 MiB for the runtime (a worker's data segment is ~180 MiB before it reads anything: thread
    /// stacks and malloc arenas). Saturates instead of overflowing.
    public static func estimatedMemory(architecture: Architecture, samples: Int, batchSize: Int) -> Int {
        let size = architecture.size
        let terms = [
            samples.multipliedReportingOverflow(by: architecture.inputDimension * 4 * 2),
            (size.parameters ?? .max).multipliedReportingOverflow(by: 4 * 6),
            min(batchSize, samples).multipliedReportingOverflow(by: size.activationsPerSample * 4 * 3),
        ]
        return terms.reduce(256 << 20) { total, term in
            term.overflow ? .max : total.addingReportingOverflow(term.partialValue).overflow ? .max : total + term.partialValue
        }
    }

    /// Runs the remaining epochs (see `Trainer.run` for the callbacks), then measures the test
    /// set, calibrates the model's anomaly scores on the validation split (the training split
    /// when nothing is held out) and describes the model in checkpoint metadata.
    public mutating func run(
        onEpoch: (EpochRecord, TrainingState) throws -> Void = { _, _ in },
        onBatch: ((BatchProgress) -> Void)? = nil,
        isCancelled: () -> Bool = { false }
    ) throws -> TrainingOutcome {
        let result = try trainer.run(onEpoch: onEpoch, onBatch: onBatch, isCancelled: isCancelled)
        let testMSE = testSet.map { Evaluation.meanSquaredError(of: result.model, on: $0) }
        let last = result.history.last
        var extra = extraMetadata
        extra["optimizer"] = options.optimizer.rawValue
        extra["learning_rate"] = String(options.learningRate)
        extra["batch_size"] = String(options.batchSize)
        extra["loss"] = options.loss.rawValue
        if let classes { extra["classes"] = classes.map(String.init).joined(separator: ",") }
        let metadata = CheckpointMetadata(
            dataset: datasetName, epochs: result.history.count, trainLoss: last?.trainLoss,
            validationLoss: last?.validationLoss, testMSE: testMSE,
            createdAt: ISO8601DateFormatter().string(from: Date()), seed: options.seed,
            trainingSeconds: result.history.reduce(0) { $0 + $1.seconds }, extra: extra)
        let calibration = try trainer.calibration(of: result.model, dataset: datasetName, classes: classes,
                                                  createdAt: metadata.createdAt)
        return TrainingOutcome(model: result.model, history: result.history, stoppedEarly: result.stoppedEarly,
                               metadata: metadata, testMSE: testMSE, calibration: calibration)
    }
}

/// What a finished run produced.
public struct TrainingOutcome: Sendable {
    /// The trained model (the best epoch's weights when early stopping kept them).
    public var model: Autoencoder<Float>
    /// One record per epoch run.
    public var history: [EpochRecord]
    /// Whether early stopping ended the run.
    public var stoppedEarly: Bool
    /// The facts stored in the checkpoint.
    public var metadata: CheckpointMetadata
    /// The test set's reconstruction MSE, when one was given.
    public var testMSE: Double?
    /// The distribution of the model's anomaly scores on the run's held-out data.
    public var calibration: CalibrationSet

    /// The checkpoint file: the model and its metadata.
    public var checkpoint: SafeTensorsFile { ModelCheckpoint.encode(model, metadata: metadata) }

    /// The files stored beside the checkpoint in a model version (its calibration).
    public var companions: [String: [UInt8]] { [CalibrationFile.fileName: CalibrationFile.encode(calibration)] }
}

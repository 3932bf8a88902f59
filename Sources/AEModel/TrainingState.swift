// Everything needed to continue a run exactly where it stopped: weights, optimizer moments,
// the shuffling generator, the epoch count, the history and the early-stopping memory.
import AEMath

/// One finished epoch.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (reconstruction + beta·KL).
    public var trainLoss: Double
    /// Loss on the validation split, when there is one.
    public var validationLoss: Double?
    /// Training samples processed per second of wall time.
    public var samplesPerSecond: Double
    /// Wall time of the epoch.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, seconds
        case trainLoss = "train_loss"
        case validationLoss = "validation_loss"
        case samplesPerSecond = "samples_per_second"
    }
}

/// The resumable state of a training run, as of the end of `completedEpochs` epochs.
public struct TrainingState: Sendable {
    /// The model being trained.
    public var model: Autoencoder<Float>
    /// The optimizer with its moments.
    public var optimizer: Optimizer<Float>
    /// Drives shuffles, input noise and the variational ε.
    public var generator: RandomGenerator
    /// Epochs finished.
    public var completedEpochs: Int
    /// One record per finished epoch.
    public var history: [EpochRecord]
    /// The best monitored loss so far and the layers that reached it (early stopping).
    public var best: (loss: Double, epoch: Int, layers: [Dense<Float>])?
    /// Epochs since the monitored loss last improved.
    public var epochsWithoutImprovement: Int
    /// Set once early stopping has ended the run.
    public var stoppedEarly: Bool

    /// A fresh state for `model`.
    public init(model: Autoencoder<Float>, options: TrainingOptions) {
        self.model = model
        optimizer = Optimizer(settings: options.optimizerSettings, for: model.layers)
        generator = RandomGenerator(seed: options.seed ^ TrainingState.shuffleStream)
        completedEpochs = 0
        history = []
        best = nil
        epochsWithoutImprovement = 0
        stoppedEarly = false
    }

    /// A state restored from its parts (see AECheckpoint's training-state file).
    public init(model: Autoencoder<Float>, optimizer: Optimizer<Float>, generator: RandomGenerator,
                completedEpochs: Int, history: [EpochRecord],
                best: (loss: Double, epoch: Int, layers: [Dense<Float>])?,
                epochsWithoutImprovement: Int, stoppedEarly: Bool) {
        self.model = model
        self.optimizer = optimizer
        self.generator = generator
        self.completedEpochs = completedEpochs
        self.history = history
        self.best = best
        self.epochsWithoutImprovement = epochsWithoutImprovement
        self.stoppedEarly = stoppedEarly
    }

    // Independent generator streams per purpose, so that e.g. the validation split does not
    // depend on how many values weight initialisation drew.
    static let shuffleStream: UInt64 = 0x5348_5546_464C_4531   // "SHUFFLE1"
    static let splitStream: UInt64 = 0x5350_4C49_5453_4554     // "SPLITSET"
}

// The knobs of a training run, as the `training` object of a train-job body spells them.

import AEMath
/// Options of one training run; JSON keys are snake_case as in the HTTP API.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Passes over the training split.
    public var epochs: Int = 10
    /// Samples per mini-batch.
    public var batchSize: Int = 256
    /// The optimizer algorithm.
    public var optimizer: OptimizerKind = .adam
    /// Step size.
    public var learningRate: Double = 0.001
    /// The reconstruction loss.
    public var loss: Loss = .mse
    /// Fraction of the data held out for validation, in [0, 1).
    public var validationSplit: Double = 0.1
    /// Seeds weights, the split, shuffles and noise: same seed and data, same weights.
    public var seed: UInt64 = 42
    /// Standard deviation of Gaussian input noise (denoising); 0 turns it off.
    public var noise: Double = 0
    /// Weight of the KL term (variational models).
    public var beta: Double = 1
    /// Clip gradients to this global L2 norm when given.
    public var clipNorm: Double?
    /// Stop when the validation loss has not improved for a while.
    public var earlyStopping: EarlyStopping?
    /// L2 penalty (sgd, adam) or decoupled decay (adamw; default 0.01 there).
    public var weightDecay: Double?
    /// SGD momentum.
    public var momentum: Double = 0.9

    /// Early-stopping rule: stop after `patience` epochs without an improvement over `minDelta`,
    /// and keep the best weights seen.
    public struct EarlyStopping: Codable, Sendable, Equatable {
        /// Epochs without improvement before stopping.
        public var patience: Int
        /// The smallest decrease that counts as an improvement.
        public var minDelta: Double

        /// A rule with the given patience and threshold.
        public init(patience: Int, minDelta: Double = 0) {
            self.patience = patience
            self.minDelta = minDelta
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case patience
            case minDelta = "min_delta"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            patience = try c.decode(Int.self, forKey: .patience)
            minDelta = try c.decodeIfPresent(Double.self, forKey: .minDelta) ?? 0
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, optimizer, loss, seed, noise, beta, momentum
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case validationSplit = "validation_split"
        case clipNorm = "clip_norm"
        case earlyStopping = "early_stopping"
        case weightDecay = "weight_decay"
    }

    /// Options with the defaults above.
    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? batchSize
        optimizer = try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? optimizer
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? learningRate
        loss = try c.decodeIfPresent(Loss.self, forKey: .loss) ?? loss
        validationSplit = try c.decodeIfPresent(Double.self, forKey: .validationSplit) ?? validationSplit
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        noise = try c.decodeIfPresent(Double.self, forKey: .noise) ?? noise
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? beta
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm)
        earlyStopping = try c.decodeIfPresent(EarlyStopping.self, forKey: .earlyStopping)
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay)
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? momentum
    }

    /// The optimizer settings these options imply.
    public var optimizerSettings: OptimizerSettings {
        OptimizerSettings(kind: optimizer, learningRate: learningRate, momentum: momentum,
                          weightDecay: weightDecay)
    }

    /// The most epochs any run may ask for; services set a lower limit of their own.
    public static let maximumEpochs = 10_000_000
    /// The largest batch any run may ask for; services bound activations per batch lower.
    public static let maximumBatchSize = 1 << 24

    /// Checks every option's range, naming the option that is out of it.
    public func validate() throws(TrainingError) {
        func bad(_ message: String) -> TrainingError { .invalidOptions(message) }
        guard epochs >= 1 else { throw bad("epochs must be at least 1, got \(epochs)") }
        guard epochs <= Self.maximumEpochs else { throw bad("epochs must be at most \(Self.maximumEpochs), got \(epochs)") }
        guard batchSize >= 1 else { throw bad("batch_size must be at least 1, got \(batchSize)") }
        guard batchSize <= Self.maximumBatchSize else {
            throw bad("batch_size must be at most \(Self.maximumBatchSize), got \(batchSize)")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw bad("learning_rate must be a positive number, got \(learningRate)")
        }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw bad("validation_split must be in [0, 1), got \(validationSplit)")
        }
        guard noise.isFinite, noise >= 0 else { throw bad("noise must be a non-negative number, got \(noise)") }
        guard beta.isFinite, beta >= 0 else { throw bad("beta must be a non-negative number, got \(beta)") }
        if let clipNorm, !(clipNorm.isFinite && clipNorm > 0) {
            throw bad("clip_norm must be a positive number, got \(clipNorm)")
        }
        if let weightDecay, !(weightDecay.isFinite && weightDecay >= 0) {
            throw bad("weight_decay must be a non-negative number, got \(weightDecay)")
        }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else {
            throw bad("momentum must be in [0, 1), got \(momentum)")
        }
        if let rule = earlyStopping {
            guard rule.patience >= 1 else { throw bad("early_stopping.patience must be at least 1, got \(rule.patience)") }
            guard rule.patience <= Self.maximumEpochs else {
                throw bad("early_stopping.patience must be at most \(Self.maximumEpochs), got \(rule.patience)")
            }
            guard rule.minDelta.isFinite, rule.minDelta >= 0 else {
                throw bad("early_stopping.min_delta must be a non-negative number, got \(rule.minDelta)")
            }
        }
    }
}

// Mini-batch training: seeded shuffles, validation split, early stopping, denoising noise,
// a NaN/Inf guard, cancellation between batches, progress callbacks and resumable state.
import AEMath
import Foundation

/// Progress inside an epoch, for progress bars.
public struct BatchProgress: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// Total epochs of the run.
    public var epochs: Int
    /// Batches finished in this epoch, and how many there are.
    public var batch: Int, batches: Int
    /// Mean loss of the epoch's batches so far.
    public var runningLoss: Double
    /// Samples per second so far in this epoch.
    public var samplesPerSecond: Double
}

/// The outcome of a finished run.
public struct TrainingResult: Sendable {
    /// The trained model (the best epoch's weights when early stopping kept them).
    public var model: Autoencoder<Float>
    /// One record per epoch run.
    public var history: [EpochRecord]
    /// Whether early stopping ended the run before `epochs`.
    public var stoppedEarly: Bool
    /// Wall time of the whole run, in seconds (this process only).
    public var seconds: Double
}

/// Trains one model on one dataset. Works on its own copy of the model, so servers can keep
/// serving the original.
public struct Trainer: Sendable {
    /// The run's options.
    public let options: TrainingOptions
    /// The state as of the last finished epoch (save it to resume).
    public private(set) var state: TrainingState

    private let data: Matrix<Float>
    private let trainRows: [Int]
    private let validationRows: [Int]

    /// A run from a fresh model built from `architecture` with weights seeded by `options.seed`.
    public init(architecture: Architecture, data: Matrix<Float>, options: TrainingOptions) throws {
        try options.validate()
        let model = try Autoencoder<Float>(architecture: architecture, seed: options.seed)
        try self.init(state: TrainingState(model: model, options: options), data: data, options: options)
    }

    /// A run that continues from `state` (a fresh state fine-tunes its model).
    public init(state: TrainingState, data: Matrix<Float>, options: TrainingOptions) throws {
        try options.validate()
        let architecture = state.model.architecture
        guard data.columns == architecture.inputDimension else {
            throw TrainingError.invalidData(
                "the dataset has \(data.columns) values per sample; the model expects input_dim \(architecture.inputDimension)")
        }
        let (trainRows, validationRows) = Self.split(rows: data.rows, validationSplit: options.validationSplit,
                                                     seed: options.seed)
        guard !trainRows.isEmpty else {
            throw TrainingError.invalidData(
                "the dataset has \(data.rows) samples; at least one must remain for training after validation_split \(options.validationSplit)")
        }
        for (i, value) in data.storage.enumerated() where !value.isFinite {
            throw TrainingError.invalidData(
                "the dataset has a non-finite value at sample \(i / data.columns), feature \(i % data.columns)")
        }
        self.options = options
        self.state = state
        self.data = data
        self.trainRows = trainRows
        self.validationRows = validationRows
    }

    /// The training and validation rows of a dataset of `rows` samples: a seeded shuffle, the
    /// last round(rows·validationSplit) rows held out (no shuffle when nothing is held out).
    /// `aeserve calibrate` uses it to find a training run's validation split again.
    public static func split(rows: Int, validationSplit: Double, seed: UInt64) -> (training: [Int], validation: [Int]) {
        precondition(validationSplit >= 0 && validationSplit < 1, "validation split \(validationSplit) is outside [0, 1)")
        let validationCount = Int((Double(rows) * validationSplit).rounded())
        var splitGenerator = RandomGenerator(seed: seed ^ TrainingState.splitStream)
        var order = Array(0..<rows)
        if validationCount > 0 { splitGenerator.shuffle(&order) }
        return (Array(order[..<(rows - validationCount)]), Array(order[(rows - validationCount)...]))
    }

    /// Samples in the training split.
    public var trainingSampleCount: Int { trainRows.count }

    /// The validation split's samples (no rows when `validation_split` is 0).
    public var validationSamples: Matrix<Float> { data.gatherRows(validationRows[...]) }

    /// The training split's samples, in the order of the split (not of any epoch's shuffle).
    public var trainingSamples: Matrix<Float> { data.gatherRows(trainRows[...]) }

    /// Runs the remaining epochs.
    ///
    /// - Parameters:
    ///   - onEpoch: called after each finished epoch with its record and the resumable state
    ///     (persist it there to survive a crash).
    ///   - onBatch: called after each batch, for progress displays.
    ///   - isCancelled: polled between batches; true stops with `TrainingError.cancelled`, the
    ///     state staying at the last finished epoch.
    public mutating func run(
        onEpoch: (EpochRecord, TrainingState) throws -> Void = { _, _ in },
        onBatch: ((BatchProgress) -> Void)? = nil,
        isCancelled: () -> Bool = { false }
    ) throws -> TrainingResult {
        let start = DispatchTime.now()
        while state.completedEpochs < options.epochs && !state.stoppedEarly {
            let record = try runEpoch(onBatch: onBatch, isCancelled: isCancelled)
            try onEpoch(record, state)
        }
        var model = state.model
        if options.earlyStopping != nil, let best = state.best {
            model.layers = best.layers
        }
        return TrainingResult(model: model, history: state.history, stoppedEarly: state.stoppedEarly,
                              seconds: seconds(since: start))
    }

    private mutating func runEpoch(
        onBatch: ((BatchProgress) -> Void)?, isCancelled: () -> Bool
    ) throws -> EpochRecord {
        let epoch = state.completedEpochs + 1
        let start = DispatchTime.now()
        var model = state.model
        var optimizer = state.optimizer
        var generator = state.generator
        var order = trainRows
        generator.shuffle(&order)

        let batchSize = options.batchSize
        // Written so that no sum can overflow, whatever the batch size.
        let batches = order.count / batchSize + (order.count % batchSize == 0 ? 0 : 1)
        var gradients = model.zeroGradients()
        var lossSum = 0.0
        var seen = 0
        for b in 0..<batches {
            if isCancelled() { throw TrainingError.cancelled(completedEpochs: state.completedEpochs) }
            let first = b * batchSize  // < order.count, so it cannot overflow
            let rows = order[first..<(first + min(batchSize, order.count - first))]
            let target = data.gatherRows(rows)
            var input = target
            if options.noise > 0 {
                for k in input.storage.indices {
                    input.storage[k] += Float(generator.nextGaussian() * options.noise)
                }
            }
            var epsilon: Matrix<Float>?
            if model.isVariational {
                var e = Matrix<Float>(rows: rows.count, columns: model.architecture.latentDimension)
                for k in e.storage.indices { e.storage[k] = Float(generator.nextGaussian()) }
                epsilon = e
            }
            let pass = model.forward(input, noise: epsilon)
            for i in gradients.indices { gradients[i].zero() }
            let loss = model.backward(pass, target: target, loss: options.loss, beta: options.beta,
                                      into: &gradients)
            // Weights can blow up while a bounded loss (sigmoid output) stays finite: watch the
            // gradient norm too, which clipping needs anyway.
            let norm = options.clipNorm.map { GradientClipping.clip(&gradients, maxNorm: $0) }
                ?? GradientClipping.globalNorm(gradients)
            guard loss.total.isFinite, norm.isFinite else {
                throw TrainingError.diverged(epoch: epoch, batch: b + 1, loss: loss.total)
            }
            optimizer.update(&model.layers, with: gradients)
            lossSum += loss.total * Double(rows.count)
            seen += rows.count
            if let onBatch {
                onBatch(BatchProgress(epoch: epoch, epochs: options.epochs, batch: b + 1, batches: batches,
                                      runningLoss: lossSum / Double(seen),
                                      samplesPerSecond: Double(seen) / max(seconds(since: start), 1e-9)))
            }
        }
        let trainSeconds = seconds(since: start)
        let validationLoss = validationRows.isEmpty ? nil : evaluate(model, rows: validationRows)
        if let validationLoss, !validationLoss.isFinite {
            throw TrainingError.diverged(epoch: epoch, batch: batches, loss: validationLoss)
        }
        let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                 validationLoss: validationLoss,
                                 samplesPerSecond: Double(seen) / max(trainSeconds, 1e-9),
                                 seconds: seconds(since: start))
        // Commit the epoch only now: a cancellation above leaves the previous epoch's state.
        state.model = model
        state.optimizer = optimizer
        state.generator = generator
        state.completedEpochs = epoch
        state.history.append(record)
        if let rule = options.earlyStopping {
            let monitored = validationLoss ?? record.trainLoss
            if let best = state.best, !(monitored < best.loss - rule.minDelta) {
                state.epochsWithoutImprovement += 1
                if state.epochsWithoutImprovement >= rule.patience { state.stoppedEarly = true }
            } else {
                state.best = (monitored, epoch, model.layers)
                state.epochsWithoutImprovement = 0
            }
        }
        return record
    }

    /// The mean loss over `rows`, evaluated in chunks to bound memory.
    private func evaluate(_ model: Autoencoder<Float>, rows: [Int]) -> Double {
        var total = 0.0
        let chunk = 1024
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let slice = rows[start..<min(start + chunk, rows.count)]
            let batch = data.gatherRows(slice)
            total += model.evaluate(batch, target: batch, loss: options.loss, beta: options.beta).total
                * Double(slice.count)
        }
        return total / Double(rows.count)
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

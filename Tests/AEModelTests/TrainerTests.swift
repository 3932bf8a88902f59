import AEMath
import AEModel
import AETestSupport
import Testing

@Suite("Trainer")
struct TrainerTests {
    /// 240 samples of 12 features lying near a 3-dimensional subspace, values in [0, 1].
    static let data: Matrix<Float> = {
        var g = RandomGenerator(seed: 2024)
        let basis = (0..<36).map { _ in g.nextUniform() }
        var values: [Float] = []
        for _ in 0..<240 {
            let code = (0..<3).map { _ in g.nextUniform() }
            for j in 0..<12 {
                let v = (0..<3).map { basis[$0 * 12 + j] * code[$0] }.reduce(0, +) / 3
                values.append(Float(min(1, max(0, v + 0.02 * g.nextGaussian()))))
            }
        }
        return Matrix(rows: 240, columns: 12, values: values)
    }()

    static let architecture = Architecture(
        kind: .autoencoder, inputDimension: 12,
        encoder: [.init(units: 8, activation: .relu), .init(units: 3, activation: .linear)],
        decoder: [.init(units: 8, activation: .relu), .init(units: 12, activation: .sigmoid)])

    static let variational = Architecture(
        kind: .variational, inputDimension: 12, encoder: [.init(units: 8, activation: .tanh)],
        decoder: [.init(units: 8, activation: .relu), .init(units: 12, activation: .sigmoid)], latentDimension: 3)

    static func options(epochs: Int = 4, seed: UInt64 = 7) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = 32
        o.learningRate = 0.01
        o.validationSplit = 0.2
        o.seed = seed
        return o
    }

    @Test("the same seed and data give bit-identical weights; another seed does not")
    func deterministic() throws {
        for architecture in [Self.architecture, Self.variational] {
            var a = try Trainer(architecture: architecture, data: Self.data, options: Self.options())
            var b = try Trainer(architecture: architecture, data: Self.data, options: Self.options())
            var c = try Trainer(architecture: architecture, data: Self.data, options: Self.options(seed: 8))
            let (ra, rb, rc) = (try a.run(), try b.run(), try c.run())
            #expect(flatten(ra.model.layers) == flatten(rb.model.layers))
            #expect(ra.history.map(\.trainLoss) == rb.history.map(\.trainLoss))
            #expect(flatten(ra.model.layers) != flatten(rc.model.layers))
        }
    }

    @Test("4 epochs straight equal 2 epochs, then 2 more resumed from the saved state (bit-identical)")
    func resume() throws {
        var straight = try Trainer(architecture: Self.variational, data: Self.data, options: Self.options(epochs: 4))
        let full = try straight.run()
        var first = try Trainer(architecture: Self.variational, data: Self.data, options: Self.options(epochs: 2))
        _ = try first.run()
        var second = try Trainer(state: first.state, data: Self.data, options: Self.options(epochs: 4))
        let resumed = try second.run()
        #expect(flatten(resumed.model.layers) == flatten(full.model.layers))
        #expect(resumed.history.map(\.trainLoss) == full.history.map(\.trainLoss))
        #expect(second.state.optimizer.step == straight.state.optimizer.step)
    }

    @Test("training lowers the loss, and the validation loss is reported for a split")
    func learns() throws {
        var o = Self.options(epochs: 30)
        o.noise = 0.05
        var trainer = try Trainer(architecture: Self.architecture, data: Self.data, options: o)
        let result = try trainer.run()
        let first = try #require(result.history.first), last = try #require(result.history.last)
        #expect(last.trainLoss < first.trainLoss * 0.5)
        let (lastValidation, firstValidation) = (try #require(last.validationLoss), try #require(first.validationLoss))
        #expect(lastValidation < firstValidation)
        #expect(result.history.map(\.epoch) == Array(1...30))
        var noSplit = Self.options(epochs: 1)
        noSplit.validationSplit = 0
        var t = try Trainer(architecture: Self.architecture, data: Self.data, options: noSplit)
        #expect(try t.run().history[0].validationLoss == nil)
    }

    @Test("cancellation stops between batches and keeps the last finished epoch's state")
    func cancellation() throws {
        var trainer = try Trainer(architecture: Self.architecture, data: Self.data, options: Self.options(epochs: 4))
        var batches = 0
        #expect(throws: TrainingError.cancelled(completedEpochs: 1)) {
            _ = try trainer.run(onBatch: { _ in batches += 1 }, isCancelled: { batches >= 8 })
        }
        #expect(trainer.state.completedEpochs == 1)
        // Resuming from the cancelled state ends where an uninterrupted run ends.
        var resumed = try Trainer(state: trainer.state, data: Self.data, options: Self.options(epochs: 4))
        var straight = try Trainer(architecture: Self.architecture, data: Self.data, options: Self.options(epochs: 4))
        #expect(flatten(try resumed.run().model.layers) == flatten(try straight.run().model.layers))
    }

    @Test("a diverging run fails with a message that says what to change")
    func divergence() throws {
        var o = Self.options(epochs: 3)
        o.optimizer = .sgd
        o.learningRate = 1e6
        // A linear output lets the loss grow without bound (a sigmoid would saturate instead).
        var linear = Self.architecture
        linear.decoder[linear.decoder.count - 1].activation = .linear
        var trainer = try Trainer(architecture: linear, data: Self.data, options: o)
        do {
            _ = try trainer.run()
            Issue.record("expected divergence")
        } catch let error as TrainingError {
            guard case .diverged = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("learning_rate"))
        }
    }

    @Test("early stopping ends the run after `patience` epochs without improvement and keeps the best weights")
    func earlyStopping() throws {
        var o = Self.options(epochs: 20)
        o.earlyStopping = .init(patience: 2, minDelta: 10)   // nothing improves by 10: stop after epoch 3
        var bestLayers: [Dense<Float>] = []
        var trainer = try Trainer(architecture: Self.architecture, data: Self.data, options: o)
        let result = try trainer.run(onEpoch: { record, state in
            if record.epoch == 1 { bestLayers = state.model.layers }
        })
        #expect(result.stoppedEarly)
        #expect(result.history.count == 3)
        #expect(flatten(result.model.layers) == flatten(bestLayers))
    }

    @Test("options out of range and data of the wrong width are refused with the field named")
    func invalid() throws {
        var o = Self.options()
        o.batchSize = 0
        #expect(throws: TrainingError.invalidOptions("batch_size must be at least 1, got 0")) {
            _ = try Trainer(architecture: Self.architecture, data: Self.data, options: o)
        }
        o = Self.options()
        o.validationSplit = 1
        #expect(throws: TrainingError.self) { _ = try Trainer(architecture: Self.architecture, data: Self.data, options: o) }
        let narrow = Matrix<Float>(rows: 10, columns: 11)
        #expect(throws: TrainingError.invalidData("the dataset has 11 values per sample; the model expects input_dim 12")) {
            _ = try Trainer(architecture: Self.architecture, data: narrow, options: Self.options())
        }
        var bad = Self.data
        bad[3, 4] = .nan
        #expect(throws: TrainingError.invalidData("the dataset has a non-finite value at sample 3, feature 4")) {
            _ = try Trainer(architecture: Self.architecture, data: bad, options: Self.options())
        }
    }

    @Test("SGD with momentum follows PyTorch's update rule")
    func sgdMomentum() throws {
        let architecture = Architecture(kind: .autoencoder, inputDimension: 1,
                                        encoder: [.init(units: 1, activation: .linear)],
                                        decoder: [.init(units: 1, activation: .linear)])
        var layers = try Autoencoder<Double>(architecture: architecture, seed: 1).layers
        layers[0].weight.storage = [1]
        var optimizer = Optimizer<Double>(settings: OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.5),
                                          for: layers)
        var gradients = layers.map { DenseGradient(zeroFor: $0) }
        gradients[0].weight.storage = [2]
        optimizer.update(&layers, with: gradients)      // buf = 2, w = 1 − 0.2
        optimizer.update(&layers, with: gradients)      // buf = 0.5·2 + 2 = 3, w = 0.8 − 0.3
        #expect(abs(layers[0].weight.storage[0] - 0.5) < 1e-12)
    }
}

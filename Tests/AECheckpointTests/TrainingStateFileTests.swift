import AECheckpoint
import AEMath
import AEModel
import Foundation
import Testing

@Suite("TrainingStateFile")
struct TrainingStateFileTests {
    static let data: Matrix<Float> = {
        var g = RandomGenerator(seed: 77)
        return Matrix(rows: 150, columns: 10, values: (0..<1500).map { _ in Float(g.nextUniform()) })
    }()

    static func options(epochs: Int, optimizer: OptimizerKind) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = 16
        o.learningRate = 0.01
        o.optimizer = optimizer
        o.noise = 0.1
        o.earlyStopping = .init(patience: 10)
        return o
    }

    @Test("4 epochs straight equal 2 epochs, the state saved to disk and loaded, then 2 more (bit-identical)",
          arguments: [(Architecture.Kind.autoencoder, OptimizerKind.adam), (.variational, .adamw), (.autoencoder, .sgd)])
    func resumeFromDisk(kind: Architecture.Kind, optimizer: OptimizerKind) throws {
        let architecture = Architecture(kind: kind, inputDimension: 10, encoder: [.init(units: 6, activation: .relu)] +
                                        (kind == .autoencoder ? [.init(units: 3, activation: .linear)] : []),
                                        decoder: [.init(units: 6, activation: .tanh), .init(units: 10, activation: .sigmoid)],
                                        latentDimension: kind == .variational ? 3 : nil)
        var straight = try Trainer(architecture: architecture, data: Self.data, options: Self.options(epochs: 4, optimizer: optimizer))
        let full = try straight.run()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aeserve-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("state.safetensors")
        var first = try Trainer(architecture: architecture, data: Self.data, options: Self.options(epochs: 4, optimizer: optimizer))
        var epochs = 0
        // Interrupt after epoch 2 the way a crash would: only the file on disk survives.
        _ = try? first.run(onEpoch: { _, state in
            try TrainingStateFile.save(state, to: url)
            epochs += 1
        }, isCancelled: { epochs >= 2 })
        let restored = try TrainingStateFile.load(contentsOf: url)
        #expect(restored.completedEpochs == 2)
        var second = try Trainer(state: restored, data: Self.data, options: Self.options(epochs: 4, optimizer: optimizer))
        let resumed = try second.run()
        #expect(resumed.model.layers.map(\.weight) == full.model.layers.map(\.weight))
        #expect(resumed.model.layers.map(\.bias) == full.model.layers.map(\.bias))
        #expect(resumed.history.map(\.trainLoss) == full.history.map(\.trainLoss))
    }

    @Test("a model checkpoint is not mistaken for a training state")
    func wrongFormat() throws {
        let model = try Autoencoder<Float>(architecture: Architecture.preset(named: "seed")!, seed: 1)
        let file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        #expect { _ = try TrainingStateFile.decode(file, source: "model.safetensors") } throws: { error in
            "\(error)".contains("is not a training-state file")
        }
    }
}

// Saves a run's resumable state (weights, optimizer moments, generator, epoch, history,
// early-stopping memory) as one safetensors file, written atomically after each epoch.
import AEMath
import AEModel
import Foundation

/// Reads and writes `TrainingState` as a safetensors file.
public enum TrainingStateFile {
    /// The `format` metadata value of a training-state file.
    public static let format = "aeserve-training-state/1"

    private struct Scalars: Codable {
        var completedEpochs: Int
        var optimizer: OptimizerSettings
        var optimizerStep: Int
        var generator: [String]          // UInt64 words as text: JSON numbers lose bits past 2^53
        var history: [EpochRecord]
        var bestLoss: Double?
        var bestEpoch: Int?
        var epochsWithoutImprovement: Int
        var stoppedEarly: Bool
    }

    /// The state as a safetensors file.
    public static func encode(_ state: TrainingState) -> SafeTensorsFile {
        var file = ModelCheckpoint.encode(state.model, metadata: CheckpointMetadata())
        let architecture = state.model.architecture
        for (i, layer) in state.model.layers.enumerated() {
            let name = Autoencoder<Float>.layerName(i, in: architecture)
            let shapes = [("weight", [layer.outputs, layer.inputs]), ("bias", [layer.outputs])]
            for (k, (part, shape)) in shapes.enumerated() {
                let slot = 2 * i + k
                file.tensors["optimizer.m.\(name).\(part)"] = Tensor(shape: shape, values: state.optimizer.firstMoments[slot])
                if !state.optimizer.secondMoments.isEmpty {
                    file.tensors["optimizer.v.\(name).\(part)"] = Tensor(shape: shape, values: state.optimizer.secondMoments[slot])
                }
            }
            if let best = state.best {
                file.tensors["best.\(name).weight"] = Tensor(shape: [layer.outputs, layer.inputs], values: best.layers[i].weight.storage)
                file.tensors["best.\(name).bias"] = Tensor(shape: [layer.outputs], values: best.layers[i].bias)
            }
        }
        let scalars = Scalars(
            completedEpochs: state.completedEpochs, optimizer: state.optimizer.settings,
            optimizerStep: state.optimizer.step, generator: state.generator.state.map { String($0) },
            history: state.history, bestLoss: state.best?.loss, bestEpoch: state.best?.epoch,
            epochsWithoutImprovement: state.epochsWithoutImprovement, stoppedEarly: state.stoppedEarly)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain Codable values of numbers and strings: encoding cannot fail.
        let json = (try? encoder.encode(scalars)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        file.metadata["format"] = format
        file.metadata["training_state"] = json
        return file
    }

    /// The state in `file`.
    public static func decode(_ file: SafeTensorsFile, source: String) throws(CheckpointError) -> TrainingState {
        guard file.metadata["format"] == format else {
            throw .invalidMetadata(key: "format", reason: "\(source) is not a training-state file (expected \(format))")
        }
        guard let json = file.metadata["training_state"],
              let scalars = try? JSONDecoder().decode(Scalars.self, from: Data(json.utf8)) else {
            throw .invalidMetadata(key: "training_state", reason: "\(source): missing or malformed")
        }
        var modelFile = file
        modelFile.tensors = file.tensors.filter { !$0.key.hasPrefix("optimizer.") && !$0.key.hasPrefix("best.") }
        modelFile.metadata["format"] = CheckpointMetadata.currentFormat
        modelFile.metadata.removeValue(forKey: "training_state")
        let model = try ModelCheckpoint.decode(modelFile, source: source).model
        let architecture = model.architecture

        var first: [[Float]] = [], second: [[Float]] = []
        var bestLayers: [Dense<Float>] = []
        for (i, layer) in model.layers.enumerated() {
            let name = Autoencoder<Float>.layerName(i, in: architecture)
            for part in ["weight", "bias"] {
                first.append(try values("optimizer.m.\(name).\(part)", in: file))
                if scalars.optimizer.kind != .sgd { second.append(try values("optimizer.v.\(name).\(part)", in: file)) }
            }
            if scalars.bestLoss != nil {
                let w = try values("best.\(name).weight", in: file), b = try values("best.\(name).bias", in: file)
                guard w.count == layer.weight.count, b.count == layer.bias.count else {
                    throw .shapeMismatch(name: "best.\(name)", expected: [layer.outputs, layer.inputs], actual: [b.count, w.count / max(b.count, 1)])
                }
                bestLayers.append(Dense(weight: Matrix(rows: layer.outputs, columns: layer.inputs, values: w),
                                        bias: b, activation: layer.activation))
            }
        }
        guard let generator = RandomGenerator(state: scalars.generator.compactMap { UInt64($0) }) else {
            throw .invalidMetadata(key: "training_state", reason: "\(source): generator state is not four 64-bit words")
        }
        let best = scalars.bestLoss.map { (loss: $0, epoch: scalars.bestEpoch ?? 0, layers: bestLayers) }
        return TrainingState(
            model: model,
            optimizer: Optimizer(settings: scalars.optimizer, step: scalars.optimizerStep,
                                 firstMoments: first, secondMoments: second),
            generator: generator, completedEpochs: scalars.completedEpochs, history: scalars.history,
            best: best, epochsWithoutImprovement: scalars.epochsWithoutImprovement,
            stoppedEarly: scalars.stoppedEarly)
    }

    /// Writes the state atomically to `url`.
    public static func save(_ state: TrainingState, to url: URL) throws(CheckpointError) {
        try SafeTensors.write(encode(state), to: url)
    }

    /// Reads the state from `url`.
    public static func load(contentsOf url: URL) throws(CheckpointError) -> TrainingState {
        try decode(SafeTensors.read(contentsOf: url), source: url.path)
    }

    private static func values(_ name: String, in file: SafeTensorsFile) throws(CheckpointError) -> [Float] {
        guard let tensor = file.tensors[name] else { throw .missingTensor(name: name) }
        return tensor.values
    }
}

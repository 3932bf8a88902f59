// `aeserve inspect`: what a checkpoint holds, for people and (with --json) for scripts.
import AECheckpoint
import AEModel
import ArgumentParser
import Foundation

/// Shows a checkpoint's architecture, shapes, parameter count, sha256, training facts and calibration.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a checkpoint's architecture, tensor shapes, parameter count, sha256, training facts and calibration.",
        discussion: "Example: aeserve inspect models/fashion-mnist")

    @Argument(help: "Model folder (its highest version), version folder, or .safetensors file.")
    var path: String

    @OptionGroup(title: "Foreign checkpoints (no architecture in their metadata)")
    var architecture: ArchitectureOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let url = try ModelLocator.resolve(path)
        let loaded = try ModelCheckpoint.load(contentsOf: url, architecture: try architecture.load())
        let model = loaded.model
        let a = model.architecture
        let layers = model.layers.enumerated().map { i, layer in
            (name: Autoencoder<Float>.layerName(i, in: a), shape: [layer.outputs, layer.inputs],
             activation: layer.activation.rawValue)
        }
        let facts = loaded.metadata.dictionary.filter { $0.key != "architecture" && $0.key != "format" }
        let calibration = try CalibrationFile.load(contentsOf: CalibrationFile.url(besideCheckpoint: url))
        if json {
            let report = InspectReport(
                path: url.path, sha256: loaded.sha256, bytes: loaded.byteCount, parameters: model.parameterCount,
                kind: a.kind.rawValue, inputDimension: a.inputDimension, latentDimension: a.latentDimension,
                layers: layers.map { InspectReport.Layer(name: $0.name, weightShape: $0.shape, activation: $0.activation) },
                training: facts, architecture: a, calibration: NullableCalibration(set: calibration))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(report)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(url.path)
        print("  kind         \(a.kind.rawValue)")
        print("  input_dim    \(a.inputDimension)")
        print("  latent_dim   \(a.latentDimension)")
        print("  parameters   \(model.parameterCount) (\(loaded.byteCount) bytes on disk)")
        print("  sha256       \(loaded.sha256)")
        print("  layers")
        for layer in layers {
            let padded = layer.name.padding(toLength: 16, withPad: " ", startingAt: 0)
            print("    \(padded) weight \(layer.shape)  \(layer.activation)")
        }
        if !facts.isEmpty {
            print("  training")
            for key in facts.keys.sorted() {
                print("    \(key.padding(toLength: 17, withPad: " ", startingAt: 0)) \(facts[key]!)")
            }
        }
        if let calibration {
            print("  calibration")
            for line in CalibrationSummary.block(calibration) { print("  " + line) }
        } else {
            print("  calibration  none (aeserve calibrate \(path) --dataset …)")
        }
    }
}

/// `aeserve inspect --json`: the checkpoint's facts, encoded once.
private struct InspectReport: Encodable {
    var path: String
    var sha256: String
    var bytes: Int
    var parameters: Int
    var kind: String
    var inputDimension: Int
    var latentDimension: Int
    var layers: [Layer]
    var training: [String: String]
    var architecture: Architecture
    var calibration: NullableCalibration

    /// One dense layer: its tensor name, weight shape [outputs, inputs] and activation.
    struct Layer: Encodable {
        var name: String
        var weightShape: [Int]
        var activation: String

        enum CodingKeys: String, CodingKey {
            case name, activation
            case weightShape = "weight_shape"
        }
    }

    enum CodingKeys: String, CodingKey {
        case path, sha256, bytes, parameters, kind, layers, training, architecture, calibration
        case inputDimension = "input_dim", latentDimension = "latent_dim"
    }
}

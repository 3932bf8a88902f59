// Maps a model to and from a safetensors file: PyTorch nn.Sequential names, the
// architecture in the metadata, and checks that name the tensor that does not fit.
import AEMath
import AEModel
import Foundation

/// A model read from a checkpoint, with what the file says about it.
public struct LoadedModel: Sendable {
    /// The model, ready for inference.
    public var model: Autoencoder<Float>
    /// The file's metadata (architecture, training facts).
    public var metadata: CheckpointMetadata
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// Size of the file in bytes.
    public var byteCount: Int
    /// The calibration stored beside the checkpoint, when the loader looked for one.
    public var calibration: CalibrationSet?
    /// Why the calibration file beside the checkpoint could not be used (the model still
    /// serves; scoring says to recalibrate), or nil.
    public var calibrationProblem: String?
}

/// Conversion between `Autoencoder<Float>` and safetensors checkpoints.
public enum ModelCheckpoint {
    /// The tensors and metadata of `model` (metadata's architecture is set from the model).
    public static func encode(_ model: Autoencoder<Float>, metadata: CheckpointMetadata) -> SafeTensorsFile {
        var metadata = metadata
        metadata.format = CheckpointMetadata.currentFormat
        metadata.architectureJSON = model.architecture.jsonText()
        var tensors: [String: Tensor] = [:]
        for (i, layer) in model.layers.enumerated() {
            let name = Autoencoder<Float>.layerName(i, in: model.architecture)
            tensors["\(name).weight"] = Tensor(shape: [layer.outputs, layer.inputs], values: layer.weight.storage)
            tensors["\(name).bias"] = Tensor(shape: [layer.outputs], values: layer.bias)
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata.dictionary)
    }

    /// The model in `file`. The architecture comes from the metadata, else from `architecture`
    /// (a foreign PyTorch file). Layers are matched by their number: `encoder.0`, `encoder.2`, …
    /// in ascending order, gaps allowed.
    public static func decode(
        _ file: SafeTensorsFile, source: String, architecture: Architecture? = nil
    ) throws(CheckpointError) -> (model: Autoencoder<Float>, metadata: CheckpointMetadata) {
        let metadata = try CheckpointMetadata(dictionary: file.metadata)
        let resolved: Architecture
        if let text = metadata.architectureJSON {
            do {
                resolved = try Architecture.parse(text)
            } catch {
                throw .invalidMetadata(key: "architecture", reason: "\(source): \(error.description)")
            }
        } else if let architecture {
            do { try architecture.validate() } catch {
                throw .invalidMetadata(key: "architecture", reason: error.description)
            }
            resolved = architecture
        } else {
            throw .missingArchitecture(file: source)
        }

        let names = try layerNames(in: file, for: resolved, source: source)
        let specs = Autoencoder<Float>.layerSpecs(of: resolved)
        var layers: [Dense<Float>] = []
        var used = Set<String>()
        for (name, spec) in zip(names, specs) {
            let weight = try tensor("\(name).weight", in: file, shape: [spec.outputs, spec.inputs])
            let bias = try tensor("\(name).bias", in: file, shape: [spec.outputs])
            used.insert("\(name).weight")
            used.insert("\(name).bias")
            layers.append(Dense(weight: Matrix(rows: spec.outputs, columns: spec.inputs, values: weight.values),
                                bias: bias.values, activation: spec.activation))
        }
        let extra = Set(file.tensors.keys).subtracting(used)
        guard extra.isEmpty else { throw .unexpectedTensors(file: source, names: extra.sorted()) }
        do {
            return (try Autoencoder(architecture: resolved, layers: layers), metadata)
        } catch {
            throw .invalidMetadata(key: "architecture", reason: error.description)
        }
    }

    /// Reads and decodes a checkpoint file, with its SHA-256.
    public static func load(contentsOf url: URL, architecture: Architecture? = nil) throws(CheckpointError) -> LoadedModel {
        let bytes = try FileSystem.readAll(url)
        let file = try SafeTensors.decode(bytes, source: url.lastPathComponent)
        let (model, metadata) = try decode(file, source: url.path, architecture: architecture)
        return LoadedModel(model: model, metadata: metadata, sha256: SHA256Digest.hex(of: bytes),
                           byteCount: bytes.count)
    }

    /// Writes `model` atomically to `url`.
    public static func save(_ model: Autoencoder<Float>, metadata: CheckpointMetadata, to url: URL) throws(CheckpointError) {
        try SafeTensors.write(encode(model, metadata: metadata), to: url)
    }

    /// The layer prefixes of `file` in parameter order, by ascending layer number.
    private static func layerNames(
        in file: SafeTensorsFile, for architecture: Architecture, source: String
    ) throws(CheckpointError) -> [String] {
        func numbered(_ stack: String) -> [String] {
            var numbers = Set<Int>()
            for key in file.tensors.keys {
                let parts = key.split(separator: ".")
                if parts.count == 3, parts[0] == stack, let n = Int(parts[1]), n >= 0 { numbers.insert(n) }
            }
            return numbers.sorted().map { "\(stack).\($0)" }
        }
        var encoder = numbered("encoder"), decoder = numbered("decoder")
        // Too few numbered layers: name the first missing one as the contract names it.
        if encoder.count < architecture.encoder.count {
            let expected = Autoencoder<Float>.layerName(encoder.count, in: architecture)
            throw .missingTensor(name: "\(expected).weight")
        }
        if decoder.count < architecture.decoder.count {
            let index = architecture.encoder.count + (architecture.kind == .variational ? 2 : 0) + decoder.count
            throw .missingTensor(name: "\(Autoencoder<Float>.layerName(index, in: architecture)).weight")
        }
        // Extra numbered layers are reported as unexpected tensors by the caller.
        encoder = Array(encoder.prefix(architecture.encoder.count))
        decoder = Array(decoder.prefix(architecture.decoder.count))
        let heads = architecture.kind == .variational ? ["encoder.mean", "encoder.logvar"] : []
        return encoder + heads + decoder
    }

    private static func tensor(_ name: String, in file: SafeTensorsFile, shape: [Int]) throws(CheckpointError) -> Tensor {
        guard let tensor = file.tensors[name] else { throw .missingTensor(name: name) }
        guard tensor.shape == shape else { throw .shapeMismatch(name: name, expected: shape, actual: tensor.shape) }
        return tensor
    }
}

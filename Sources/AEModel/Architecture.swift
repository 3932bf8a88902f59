// The architecture JSON: the one description of a model shared by checkpoints, train jobs
// and the API, with validation that names the offending field.
import AEMath
import Foundation

/// What a model is: its kind, input size and layer stacks, as in the architecture JSON.
///
/// ```json
/// {"kind": "autoencoder", "input_dim": 784,
///  "encoder": [{"units": 512, "activation": "relu"}, {"units": 32, "activation": "linear"}],
///  "decoder": [{"units": 512, "activation": "relu"}, {"units": 784, "activation": "sigmoid"}]}
/// ```
public struct Architecture: Codable, Sendable, Equatable {
    /// The model family.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case autoencoder, variational
    }

    /// One dense layer: its output width and the activation after it.
    public struct Layer: Codable, Sendable, Equatable {
        /// Output features of the layer.
        public var units: Int
        /// The activation applied to the layer's output.
        public var activation: Activation

        /// A layer of `units` outputs followed by `activation`.
        public init(units: Int, activation: Activation) {
            self.units = units
            self.activation = activation
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case units, activation
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            units = try c.decode(Int.self, forKey: .units)
            activation = try c.decode(Activation.self, forKey: .activation)
        }
    }

    /// The model family.
    public var kind: Kind
    /// Features per input vector.
    public var inputDimension: Int
    /// The encoder stack; for `autoencoder` its last layer is the latent, for `variational`
    /// it is the hidden stack before the mean and log-variance heads.
    public var encoder: [Layer]
    /// The decoder stack; its last layer has `inputDimension` units.
    public var decoder: [Layer]
    /// The latent size of a `variational` model (the width of its mean and log-variance heads).
    public var latentDimensionOverride: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, encoder, decoder
        case inputDimension = "input_dim"
        case latentDimensionOverride = "latent_dim"
    }

    /// A limit on the layers of decoded architectures, set in a decoder's `userInfo` under
    /// `layerLimitKey`: a body with more is refused before its layers are decoded.
    public struct LayerLimit: Sendable {
        /// Most layers, encoder and decoder together.
        public var count: Int
        /// The setting that holds the limit, named in the refusal; nil for the built-in one.
        public var setting: String?

        /// A limit of `count` layers held by `setting`.
        public init(count: Int, setting: String?) {
            self.count = count
            self.setting = setting
        }
    }

    /// The `userInfo` key of a `LayerLimit`.
    public static let layerLimitKey = CodingUserInfoKey(rawValue: "aeserve.architecture.layerLimit")!

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Count before decoding: a body of a million layers costs a count, not a million layers.
        let layers = try [CodingKeys.encoder, .decoder].reduce(0) { total, key in
            total + (c.contains(key) ? (try c.nestedUnkeyedContainer(forKey: key).count ?? 0) : 0)
        }
        let limit = decoder.userInfo[Self.layerLimitKey] as? LayerLimit
        if layers > (limit?.count ?? 2 * Self.maximumLayers) {
            throw TooManyLayersError(layers: layers, limit: limit ?? LayerLimit(count: 2 * Self.maximumLayers, setting: nil))
        }
        kind = try c.decode(Kind.self, forKey: .kind)
        inputDimension = try c.decode(Int.self, forKey: .inputDimension)
        encoder = try c.decode([Layer].self, forKey: .encoder)
        self.decoder = try c.decode([Layer].self, forKey: .decoder)
        latentDimensionOverride = try c.decodeIfPresent(Int.self, forKey: .latentDimensionOverride)
    }

    /// An architecture; call `validate()` before building a model from it.
    public init(kind: Kind, inputDimension: Int, encoder: [Layer], decoder: [Layer],
                latentDimension: Int? = nil) {
        self.kind = kind
        self.inputDimension = inputDimension
        self.encoder = encoder
        self.decoder = decoder
        self.latentDimensionOverride = latentDimension
    }

    /// The width of the latent code.
    public var latentDimension: Int {
        switch kind {
        case .autoencoder: return encoder.last?.units ?? 0
        case .variational: return latentDimensionOverride ?? 0
        }
    }

    /// The widest layer (input_dim, units, latent_dim) any architecture may have: 2^24.
    /// Together with `maximumLayers` it keeps every size derived from an architecture (parameter
    /// counts, buffer sizes) far from overflowing; services set lower limits of their own.
    public static let maximumWidth = 1 << 24
    /// The most layers one stack (encoder or decoder) may have.
    public static let maximumLayers = 1024

    /// Checks every constraint of the contract, naming the field that breaks one.
    public func validate() throws(ArchitectureError) {
        let widest = Self.maximumWidth
        guard (1...widest).contains(inputDimension) else {
            throw ArchitectureError("input_dim must be from 1 to \(widest), got \(inputDimension)")
        }
        for (name, stack) in [("encoder", encoder), ("decoder", decoder)] {
            guard stack.count <= Self.maximumLayers else {
                throw ArchitectureError("\(name) has \(stack.count) layers; at most \(Self.maximumLayers) are allowed")
            }
            for (i, layer) in stack.enumerated() where !(1...widest).contains(layer.units) {
                throw ArchitectureError("\(name)[\(i)].units must be from 1 to \(widest), got \(layer.units)")
            }
        }
        guard let last = decoder.last else {
            throw ArchitectureError("decoder must have at least one layer")
        }
        guard last.units == inputDimension else {
            throw ArchitectureError("""
                decoder[\(decoder.count - 1)].units is \(last.units); the decoder's last layer \
                must have input_dim (\(inputDimension)) units
                """)
        }
        switch kind {
        case .autoencoder:
            guard !encoder.isEmpty else {
                throw ArchitectureError("encoder must have at least one layer (its last is the latent)")
            }
            if let latent = latentDimensionOverride, latent != encoder[encoder.count - 1].units {
                throw ArchitectureError("""
                    latent_dim \(latent) is only for variational models; an autoencoder's latent \
                    is its last encoder layer (\(encoder[encoder.count - 1].units) units)
                    """)
            }
        case .variational:
            guard let latent = latentDimensionOverride else {
                throw ArchitectureError("a variational model needs latent_dim (the size of the mean and logvar heads)")
            }
            guard (1...widest).contains(latent) else {
                throw ArchitectureError("latent_dim must be from 1 to \(widest), got \(latent)")
            }
        }
    }

    /// How large a model of this architecture is; nil counts overflowed (only possible for an
    /// architecture that fails `validate()`).
    public var size: (parameters: Int?, activationsPerSample: Int) {
        var parameters: Int? = 0
        var activations = inputDimension
        var width = inputDimension
        func add(inputs: Int, outputs: Int) {
            let (product, overflow) = outputs.multipliedReportingOverflow(by: inputs &+ 1)
            if let sum = parameters, !overflow {
                let (total, overflowed) = sum.addingReportingOverflow(product)
                parameters = overflowed ? nil : total
            } else {
                parameters = nil
            }
            activations = activations.addingReportingOverflow(outputs).overflow ? .max : activations + outputs
        }
        for layer in encoder {
            add(inputs: width, outputs: layer.units)
            width = layer.units
        }
        if kind == .variational {
            add(inputs: width, outputs: latentDimension)   // mean head
            add(inputs: width, outputs: latentDimension)   // log-variance head
            width = latentDimension
        }
        for layer in decoder {
            add(inputs: width, outputs: layer.units)
            width = layer.units
        }
        return (parameters, activations)
    }

    /// The architecture as compact JSON text with sorted keys (as stored in checkpoints).
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain structs of Ints, Strings and arrays cannot fail.
        guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else {
            preconditionFailure("architecture JSON encoding failed")
        }
        return text
    }

    /// Parses architecture JSON text and validates it.
    public static func parse(_ text: String) throws(ArchitectureError) -> Architecture {
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw ArchitectureError(describing: error)
        } catch {
            throw ArchitectureError("architecture JSON: \(error)")
        }
        try architecture.validate()
        return architecture
    }
}

/// An architecture with more layers than allowed, refused before its layers are decoded.
public struct TooManyLayersError: Error, CustomStringConvertible, Sendable {
    /// Layers in the refused architecture, encoder and decoder together.
    public var layers: Int
    /// The limit it broke.
    public var limit: Architecture.LayerLimit

    public var description: String {
        let setting = limit.setting.map { " (setting \($0))" } ?? ""
        return "architecture has \(layers) layers; the limit is \(limit.count)\(setting)"
    }
}

/// Why an architecture cannot be used, in words that name the field.
public struct ArchitectureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The user-facing message.
    public var description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }

    /// A message for a JSON decoding failure that names the field path.
    init(describing error: DecodingError) {
        description = "architecture: " + error.fieldMessage
    }
}

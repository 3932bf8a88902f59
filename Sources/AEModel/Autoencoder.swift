// The model: encoder stack → latent → decoder stack, plain or variational, with inference
// on an immutable value (safe from many threads) and a training forward/backward pair.
import AEMath

/// An autoencoder of either kind, its layers stored in one array:
/// the encoder stack, then (variational only) the mean and log-variance heads, then the decoder.
public struct Autoencoder<S: BLASScalar>: Sendable {
    /// The architecture the layers were built from.
    public let architecture: Architecture
    /// Every dense layer, in parameter order.
    public var layers: [Dense<S>]

    /// Layer indices of the encoder stack (for variational: the hidden stack).
    public var encoderIndices: Range<Int> { 0..<architecture.encoder.count }
    /// Index of the mean head (variational only).
    public var meanIndex: Int? { isVariational ? architecture.encoder.count : nil }
    /// Index of the log-variance head (variational only).
    public var logVarianceIndex: Int? { isVariational ? architecture.encoder.count + 1 : nil }
    /// Layer indices of the decoder stack.
    public var decoderIndices: Range<Int> { (layers.count - architecture.decoder.count)..<layers.count }
    /// Whether this is a variational model.
    public var isVariational: Bool { architecture.kind == .variational }

    /// A freshly initialised model; the same seed gives the same weights.
    public init(architecture: Architecture, seed: UInt64) throws(ArchitectureError) {
        var generator = RandomGenerator(seed: seed)
        try self.init(architecture: architecture, generator: &generator)
    }

    /// A freshly initialised model drawing its weights from `generator`.
    public init(architecture: Architecture, generator: inout RandomGenerator) throws(ArchitectureError) {
        try architecture.validate()
        var layers: [Dense<S>] = []
        for spec in Self.layerSpecs(of: architecture) {
            layers.append(Dense(inputs: spec.inputs, outputs: spec.outputs, activation: spec.activation,
                                using: &generator))
        }
        self.architecture = architecture
        self.layers = layers
    }

    /// A model from existing layers, checked against the architecture's shapes.
    public init(architecture: Architecture, layers: [Dense<S>]) throws(ArchitectureError) {
        try architecture.validate()
        let specs = Self.layerSpecs(of: architecture)
        guard specs.count == layers.count else {
            throw ArchitectureError("the architecture has \(specs.count) layers, \(layers.count) were given")
        }
        for (i, (spec, layer)) in zip(specs, layers).enumerated() {
            guard layer.inputs == spec.inputs, layer.outputs == spec.outputs else {
                throw ArchitectureError("""
                    \(Self.layerName(i, in: architecture)).weight: expected [\(spec.outputs), \(spec.inputs)], \
                    got [\(layer.outputs), \(layer.inputs)]
                    """)
            }
        }
        self.architecture = architecture
        self.layers = zip(specs, layers).map { spec, layer in
            var layer = layer
            layer.activation = spec.activation
            return layer
        }
    }

    /// The shape and activation of every layer the architecture implies, in parameter order.
    public static func layerSpecs(of architecture: Architecture)
        -> [(inputs: Int, outputs: Int, activation: Activation)]
    {
        var specs: [(inputs: Int, outputs: Int, activation: Activation)] = []
        var width = architecture.inputDimension
        for layer in architecture.encoder {
            specs.append((width, layer.units, layer.activation))
            width = layer.units
        }
        if architecture.kind == .variational {
            let latent = architecture.latentDimension
            specs.append((width, latent, .linear))
            specs.append((width, latent, .linear))
            width = latent
        }
        for layer in architecture.decoder {
            specs.append((width, layer.units, layer.activation))
            width = layer.units
        }
        return specs
    }

    /// The PyTorch-style name of layer `index`: `encoder.<2i>`, `encoder.mean`,
    /// `encoder.logvar`, `decoder.<2i>` (2i: each Linear is followed by its activation module
    /// in an `nn.Sequential`).
    public static func layerName(_ index: Int, in architecture: Architecture) -> String {
        let encoderCount = architecture.encoder.count
        if index < encoderCount { return "encoder.\(2 * index)" }
        var rest = index - encoderCount
        if architecture.kind == .variational {
            if rest == 0 { return "encoder.mean" }
            if rest == 1 { return "encoder.logvar" }
            rest -= 2
        }
        return "decoder.\(2 * rest)"
    }

    /// The number of trainable values.
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.weight.count + $1.bias.count }
    }
}

// MARK: - Inference

extension Autoencoder {
    /// The latent code of each row of `input` (`[batch, input_dim]` → `[batch, latent]`);
    /// a variational model returns its mean and also the log-variance.
    @_specialize(exported: true, where S == Float)
    public func encode(_ input: Matrix<S>) -> (latent: Matrix<S>, logVariance: Matrix<S>?) {
        let h = forward(through: Array(encoderIndices), input)
        guard let mean = meanIndex, let logVariance = logVarianceIndex else { return (h, nil) }
        return (layers[mean](h), layers[logVariance](h))
    }

    /// The reconstruction of each latent row (`[batch, latent]` → `[batch, input_dim]`).
    @_specialize(exported: true, where S == Float)
    public func decode(_ latent: Matrix<S>) -> Matrix<S> {
        forward(through: Array(decoderIndices), latent)
    }

    /// Encodes then decodes each row (the variational mean, no sampling), with each row's
    /// mean squared reconstruction error.
    @_specialize(exported: true, where S == Float)
    public func reconstruct(_ input: Matrix<S>) -> (reconstruction: Matrix<S>, errors: [S]) {
        // One chain through the mean head, so a one-vector request is one parallel job.
        let output = forward(through: Array(encoderIndices) + (meanIndex.map { [$0] } ?? []) + Array(decoderIndices), input)
        return (output, Loss.rowMeanSquaredErrors(prediction: output, target: input))
    }
}

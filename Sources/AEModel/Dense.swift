// A fully connected layer with its activation: forward and backward over whole batches.
import AEMath

/// A dense layer `y = f(x·Wᵀ + b)`.
///
/// Shapes: `input: [batch, inputs]`, `weight: [outputs, inputs]` (PyTorch order, as in the
/// checkpoint), `bias: [outputs]`, output `[batch, outputs]`.
/// reference: PyTorch `nn.Linear` followed by the activation module.
public struct Dense<S: BLASScalar>: Sendable {
    /// `[outputs, inputs]`.
    public var weight: Matrix<S>
    /// `[outputs]`.
    public var bias: [S]
    /// The activation after the affine map.
    public var activation: Activation

    /// Input features.
    public var inputs: Int { weight.columns }
    /// Output features.
    public var outputs: Int { weight.rows }

    /// A layer with the given parameters.
    public init(weight: Matrix<S>, bias: [S], activation: Activation) {
        precondition(bias.count == weight.rows, "dense: bias has \(bias.count) values for \(weight.rows) outputs")
        self.weight = weight
        self.bias = bias
        self.activation = activation
    }

    /// A freshly initialised layer: weights by the scheme suited to `activation`, zero bias.
    public init(inputs: Int, outputs: Int, activation: Activation, using generator: inout RandomGenerator) {
        self.init(weight: Initializer.suited(to: activation).weights(outputs: outputs, inputs: inputs, using: &generator),
                  bias: [S](repeating: 0, count: outputs), activation: activation)
    }

    /// The pre-activation `x·Wᵀ + b`.
    @inline(__always)
    func affine(_ input: Matrix<S>) -> Matrix<S> {
        precondition(input.columns == inputs, "dense: input has \(input.columns) features, layer takes \(inputs)")
        var z = Matrix<S>(rows: input.rows, columns: outputs)
        let width = outputs
        z.storage.withUnsafeMutableBufferPointer { out in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<input.rows {
                    (out.baseAddress! + r * width).update(from: b.baseAddress!, count: width)
                }
            }
        }
        Gemm.multiply(input, weight, transposingB: true, into: &z, beta: 1)
        return z
    }

    /// The layer's output for `input`, keeping nothing for a backward pass.
    @_specialize(exported: true, where S == Float)
    public func callAsFunction(_ input: Matrix<S>) -> Matrix<S> {
        var y = affine(input)
        activation.apply(&y)
        return y
    }

    /// The forward pass for training: returns the cache `backward` needs
    /// (the pre-activation z, for the activation's derivative, and the output y).
    @_specialize(exported: true, where S == Float)
    public func forward(_ input: Matrix<S>) -> DenseCache<S> {
        var y = affine(input)
        // Only GELU's derivative needs z; the others read it from y (ReLU family: y > 0 ⇔ z > 0).
        let z = activation == .gelu ? y : nil
        activation.apply(&y)
        return DenseCache(preActivation: z, output: y)
    }

    /// Accumulates dWeight and dBias into `gradient` and returns dInput (when asked).
    ///
    /// `dOutput: [batch, outputs]` is dL/dy; `input` is the batch given to `forward`.
    @_specialize(exported: true, where S == Float)
    /// `dOutput` is overwritten with dL/dz (it is scratch space, saving a copy per layer).
    public func backward(
        _ dOutput: inout Matrix<S>, input: Matrix<S>, cache: DenseCache<S>,
        gradient: inout DenseGradient<S>, needsInputGradient: Bool = true
    ) -> Matrix<S>? {
        activation.backward(&dOutput, preActivation: cache.preActivation ?? cache.output, output: cache.output)
        let dZ = dOutput
        // dWeight += dZᵀ · input: [outputs, batch] · [batch, inputs]
        Gemm.multiply(dZ, transposingA: true, input, into: &gradient.weight, beta: 1)
        let width = outputs
        dZ.storage.withUnsafeBufferPointer { g in
            gradient.bias.withUnsafeMutableBufferPointer { db in
                for r in 0..<dZ.rows {
                    let row = g.baseAddress! + r * width
                    for c in 0..<width { db[c] += row[c] }
                }
            }
        }
        guard needsInputGradient else { return nil }
        // dInput = dZ · W: [batch, outputs] · [outputs, inputs]
        var dInput = Matrix<S>(rows: dZ.rows, columns: inputs)
        Gemm.multiply(dZ, weight, into: &dInput)
        return dInput
    }
}

/// What `Dense.forward` keeps for `backward`.
public struct DenseCache<S: BLASScalar>: Sendable {
    /// z = x·Wᵀ + b, `[batch, outputs]`; kept only for GELU, whose derivative needs it.
    public var preActivation: Matrix<S>?
    /// y = f(z), `[batch, outputs]`.
    public var output: Matrix<S>
}

/// The gradient of a loss with respect to one dense layer's parameters.
public struct DenseGradient<S: BLASScalar>: Sendable {
    /// dL/dW, `[outputs, inputs]`.
    public var weight: Matrix<S>
    /// dL/db, `[outputs]`.
    public var bias: [S]

    /// A zero gradient shaped like `layer`'s parameters.
    public init(zeroFor layer: Dense<S>) {
        weight = Matrix(rows: layer.outputs, columns: layer.inputs)
        bias = [S](repeating: 0, count: layer.outputs)
    }

    /// Sets every entry to zero.
    public mutating func zero() {
        _ = weight.storage.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        _ = bias.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }
}

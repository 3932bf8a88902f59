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
    public func callAsFunction(_ input: Matrix<S>) -> Matrix<S> {
        var y = affine(input)
        activation.apply(&y)
        return y
    }

    /// The forward pass for training: returns the cache `backward` needs
    /// (the pre-activation z, for the activation's derivative, and the output y).
    public func forward(_ input: Matrix<S>) -> DenseCache<S> {
        let z = affine(input)
        var y = z
        activation.apply(&y)
        return DenseCache(preActivation: z, output: y)
    }

    /// Accumulates dWeight and dBias into `gradient` and returns dInput (when asked).
    ///
    /// `dOutput: [batch, outputs]` is dL/dy; `input` is the batch given to `forward`.
    public func backward(
        _ dOutput: Matrix<S>, input: Matrix<S>, cache: DenseCache<S>,
        gradient: inout DenseGradient<S>, needsInputGradient: Bool = true
    ) -> Matrix<S>? {
        var dZ = dOutput
        activation.backward(&dZ, preActivation: cache.preActivation, output: cache.output)
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
    /// z = x·Wᵀ + b, `[batch, outputs]`.
    public var preActivation: Matrix<S>
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
        weight.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        bias.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

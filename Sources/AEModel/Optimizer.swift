// First-order optimizers over a model's layers: SGD with momentum, Adam and AdamW.
import AEMath
import Foundation

/// The optimizer algorithms; raw values are the names used in training options.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, adam, adamw
}

/// Hyper-parameters of an optimizer.
public struct OptimizerSettings: Codable, Sendable, Equatable {
    /// The algorithm.
    public var kind: OptimizerKind
    /// Step size.
    public var learningRate: Double
    /// SGD momentum (0 for plain SGD).
    public var momentum: Double
    /// Adam's β₁ and β₂.
    public var beta1: Double, beta2: Double
    /// Adam's ε, added to √v̂.
    public var epsilon: Double
    /// L2 penalty added to the gradient (sgd, adam) or decoupled decay (adamw).
    public var weightDecay: Double

    /// Settings with PyTorch's defaults for whatever is not given.
    public init(kind: OptimizerKind, learningRate: Double, momentum: Double = 0.9,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double? = nil) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay ?? (kind == .adamw ? 0.01 : 0)
    }
}

/// An optimizer with its state (step count and moment buffers), which can be saved and
/// restored so that training resumes exactly.
///
/// - sgd: `buf = momentum·buf + (g + wd·p)`; `p -= lr·buf` (PyTorch SGD, no dampening, no Nesterov).
/// - adam: `g += wd·p`; moments with bias correction; `p -= lr·m̂/(√v̂ + ε)` (PyTorch Adam).
/// - adamw: `p -= lr·wd·p` (decoupled decay, Loshchilov & Hutter 2019), then the Adam step.
public struct Optimizer<S: BLASScalar>: Sendable {
    /// The hyper-parameters.
    public var settings: OptimizerSettings
    /// Steps taken so far (Adam's t).
    public var step: Int
    /// Per parameter slot (layer i: weight 2i, bias 2i+1): SGD momentum buffer or Adam's m.
    public var firstMoments: [[S]]
    /// Per parameter slot: Adam's v (empty for SGD).
    public var secondMoments: [[S]]

    /// A fresh optimizer for `layers`.
    public init(settings: OptimizerSettings, for layers: [Dense<S>]) {
        self.settings = settings
        step = 0
        let zeros = layers.flatMap { [[S](repeating: 0, count: $0.weight.count), [S](repeating: 0, count: $0.bias.count)] }
        firstMoments = zeros
        secondMoments = settings.kind == .sgd ? [] : zeros
    }

    /// An optimizer restored from saved state; the buffers must match the layers' sizes.
    public init(settings: OptimizerSettings, step: Int, firstMoments: [[S]], secondMoments: [[S]]) {
        self.settings = settings
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// Applies one update to every parameter of `layers` from `gradients`.
    @_specialize(exported: true, where S == Float)
    public mutating func update(_ layers: inout [Dense<S>], with gradients: [DenseGradient<S>]) {
        precondition(layers.count == gradients.count && firstMoments.count == 2 * layers.count,
                     "optimizer: state does not match the model")
        step += 1
        for i in layers.indices {
            layers[i].weight.storage.withUnsafeMutableBufferPointer { p in
                gradients[i].weight.storage.withUnsafeBufferPointer { g in update(p, g, slot: 2 * i) }
            }
            layers[i].bias.withUnsafeMutableBufferPointer { p in
                gradients[i].bias.withUnsafeBufferPointer { g in update(p, g, slot: 2 * i + 1) }
            }
        }
    }

    private mutating func update(_ p: UnsafeMutableBufferPointer<S>, _ g: UnsafeBufferPointer<S>, slot: Int) {
        let lr = S(settings.learningRate), wd = S(settings.weightDecay)
        let (p, g) = (p.baseAddress!, g.baseAddress!)
        let count = firstMoments[slot].count
        switch settings.kind {
        case .sgd:
            let mu = S(settings.momentum)
            firstMoments[slot].withUnsafeMutableBufferPointer { buffer in
                let buf = buffer.baseAddress!
                Parallel.forEachChunk(count) { range in
                    for k in range {
                        buf[k] = mu * buf[k] + (g[k] + wd * p[k])
                        p[k] -= lr * buf[k]
                    }
                }
            }
        case .adam, .adamw:
            // PyTorch's arrangement: p -= (lr / c1) · m / (√v / √c2 + ε), c = 1 − βᵗ.
            let b1 = S(settings.beta1), b2 = S(settings.beta2), eps = S(settings.epsilon)
            let stepSize = lr / S(1 - pow(settings.beta1, Double(step)))
            let rootCorrection2 = S((1 - pow(settings.beta2, Double(step))).squareRoot())
            let decoupled = settings.kind == .adamw
            let decay: S = decoupled ? 1 - lr * wd : 1
            let l2: S = decoupled ? 0 : wd
            firstMoments[slot].withUnsafeMutableBufferPointer { mBuffer in
                secondMoments[slot].withUnsafeMutableBufferPointer { vBuffer in
                    let (m, v) = (mBuffer.baseAddress!, vBuffer.baseAddress!)
                    Parallel.forEachChunk(count) { range in
                        var start = range.lowerBound
                        if S.self == Float.self {
                            start = AdamKernel.float(
                                range, p: p, g: g, m: m, v: v, b1: b1, b2: b2, eps: eps, stepSize: stepSize,
                                rootCorrection2: rootCorrection2, decay: decay, l2: l2)
                        }
                        for k in start..<range.upperBound {
                            let parameter = p[k]
                            let grad = g[k] + l2 * parameter
                            let mk = b1 * m[k] + (1 - b1) * grad
                            let vk = b2 * v[k] + (1 - b2) * grad * grad
                            m[k] = mk
                            v[k] = vk
                            p[k] = parameter * decay - stepSize * mk / (vk.squareRoot() / rootCorrection2 + eps)
                        }
                    }
                }
            }
        }
    }
}

/// Adam's inner loop on eight Floats at a time: the pointers may alias as far as the compiler
/// knows, so the scalar loop does not vectorize, and Adam was 13 % of a training step.
enum AdamKernel {
    /// Updates the multiple-of-eight head of `range`; returns where the scalar tail starts.
    static func float<S: BLASScalar>(
        _ range: Range<Int>, p: UnsafeMutablePointer<S>, g: UnsafePointer<S>, m: UnsafeMutablePointer<S>,
        v: UnsafeMutablePointer<S>, b1: S, b2: S, eps: S, stepSize: S, rootCorrection2: S, decay: S, l2: S
    ) -> Int {
        let end = range.lowerBound + (range.count / 8) * 8
        let (rp, rg, rm, rv) = (UnsafeMutableRawPointer(p), UnsafeRawPointer(g), UnsafeMutableRawPointer(m),
                                UnsafeMutableRawPointer(v))
        let b1 = SIMD8<Float>(repeating: Float(b1)), b2 = SIMD8<Float>(repeating: Float(b2))
        let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2
        let eps = SIMD8<Float>(repeating: Float(eps)), stepSize = SIMD8<Float>(repeating: Float(stepSize))
        let inverseRoot = SIMD8<Float>(repeating: 1 / Float(rootCorrection2))
        let decay = SIMD8<Float>(repeating: Float(decay)), l2 = SIMD8<Float>(repeating: Float(l2))
        var k = range.lowerBound
        while k < end {
            let offset = k * 4
            let parameter = rp.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let grad = rg.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + l2 * parameter
            let mk = b1 * rm.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + oneMinusB1 * grad
            let vk = b2 * rv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + oneMinusB2 * grad * grad
            rm.storeBytes(of: mk, toByteOffset: offset, as: SIMD8<Float>.self)
            rv.storeBytes(of: vk, toByteOffset: offset, as: SIMD8<Float>.self)
            let updated = parameter * decay - stepSize * mk / (vk.squareRoot() * inverseRoot + eps)
            rp.storeBytes(of: updated, toByteOffset: offset, as: SIMD8<Float>.self)
            k += 8
        }
        return end
    }
}

/// Gradient clipping by global norm.
///
/// reference: PyTorch `torch.nn.utils.clip_grad_norm_` (scale by max/(norm + 1e-6) when above).
public enum GradientClipping {
    /// The L2 norm of all gradients taken together.
    @_specialize(exported: true, where S == Float)
    public static func globalNorm<S: BLASScalar>(_ gradients: [DenseGradient<S>]) -> Double {
        var sum = 0.0
        for g in gradients {
            sum += sumOfSquares(g.weight.storage) + sumOfSquares(g.bias)
        }
        return sum.squareRoot()
    }

    /// Σx², in blocks of 256 summed in the element type (so the loop vectorizes) and added up
    /// in Double.
    private static func sumOfSquares<S: BLASScalar>(_ values: [S]) -> Double {
        values.withUnsafeBufferPointer { buffer in
            var total = 0.0
            var start = 0
            while start < buffer.count {
                let end = min(start + 256, buffer.count)
                var block: S = 0
                for i in start..<end { block += buffer[i] * buffer[i] }
                total += Double(block)
                start = end
            }
            return total
        }
    }

    /// Scales every gradient so that the global norm is at most `maxNorm`; returns the norm
    /// before clipping.
    @_specialize(exported: true, where S == Float)
    @discardableResult
    public static func clip<S: BLASScalar>(_ gradients: inout [DenseGradient<S>], maxNorm: Double) -> Double {
        let norm = globalNorm(gradients)
        let coefficient = maxNorm / (norm + 1e-6)
        guard coefficient < 1 else { return norm }
        let c = S(coefficient)
        for i in gradients.indices {
            gradients[i].weight.storage.withUnsafeMutableBufferPointer { w in for k in w.indices { w[k] *= c } }
            gradients[i].bias.withUnsafeMutableBufferPointer { b in for k in b.indices { b[k] *= c } }
        }
        return norm
    }
}

// Elementwise activations and their derivatives, applied to whole matrices.
import Foundation

/// An elementwise activation function; raw values are the names used in architecture JSON.
///
/// reference: PyTorch `nn.ReLU`, `nn.LeakyReLU` (slope 0.01), `nn.Sigmoid`, `nn.Tanh`,
/// `nn.GELU` (exact, erf form).
public enum Activation: String, Sendable, Codable, CaseIterable {
    case linear, relu
    case leakyRelu = "leaky_relu"
    case sigmoid, tanh, gelu

    /// The negative-side slope of `leaky_relu` (PyTorch's default).
    public static let leakySlope = 0.01

    /// The activation of one value.
    @inlinable
    public func value<S: BLASScalar>(_ x: S) -> S {
        switch self {
        case .linear: return x
        case .relu: return x > 0 ? x : 0
        case .leakyRelu: return x > 0 ? x : S(Activation.leakySlope) * x
        case .sigmoid: return 1 / (1 + S.exponential(-x))
        case .tanh: return S.hyperbolicTangent(x)
        case .gelu: return x * (1 + S.errorFunction(x * S(0.7071067811865476))) / 2
        }
    }

    /// d value / dx at pre-activation `x` whose activation is `y` (the ReLU family reads y).
    @inlinable
    public func derivative<S: BLASScalar>(_ x: S, output y: S) -> S {
        switch self {
        case .linear: return 1
        case .relu: return y > 0 ? 1 : 0
        case .leakyRelu: return y > 0 ? 1 : S(Activation.leakySlope)
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .gelu:
            // d/dx x·Φ(x) = Φ(x) + x·φ(x)
            let cdf = (1 + S.errorFunction(x * S(0.7071067811865476))) / 2
            let pdf = S.exponential(-x * x / 2) * S(0.3989422804014327)
            return cdf + x * pdf
        }
    }

    /// Applies the activation to every element of `z` in place.
    @_specialize(exported: true, where S == Float)
    public func apply<S: BLASScalar>(_ z: inout Matrix<S>) {
        if self == .linear { return }
        z.storage.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            Parallel.forEachChunk(buffer.count) { range in apply(to: x, range) }
        }
    }

    /// Applies the activation in place to `x[range]`.
    @inlinable
    public func apply<S: BLASScalar>(to x: UnsafeMutablePointer<S>, _ range: Range<Int>) {
        switch self {
        case .linear:
            return
        case .relu:
            let tail = S.self == Float.self ? Activation.reluForwardFloat(UnsafeMutableRawPointer(x), range) : range.lowerBound
            for i in tail..<range.upperBound where !(x[i] > 0) { x[i] = 0 }
        case .sigmoid:
            for i in range { x[i] = 1 / (1 + S.exponential(-x[i])) }
        default:
            for i in range { x[i] = value(x[i]) }
        }
    }

    /// Multiplies `gradient` (dL/dy) in place by dy/dz, giving dL/dz.
    ///
    /// `preActivation` is z and `output` is y = f(z), both `[batch, features]` like `gradient`;
    /// only GELU reads z, so the others accept y in its place.
    @_specialize(exported: true, where S == Float)
    public func backward<S: BLASScalar>(
        _ gradient: inout Matrix<S>, preActivation: Matrix<S>, output: Matrix<S>
    ) {
        if self == .linear { return }
        gradient.storage.withUnsafeMutableBufferPointer { gBuffer in
            preActivation.storage.withUnsafeBufferPointer { zBuffer in
                output.storage.withUnsafeBufferPointer { yBuffer in
                    let (g, z, y) = (gBuffer.baseAddress!, zBuffer.baseAddress!, yBuffer.baseAddress!)
                    Parallel.forEachChunk(gBuffer.count) { range in
                        switch self {
                        case .relu, .leakyRelu:
                            let slope: S = self == .relu ? 0 : S(Activation.leakySlope)
                            let tail = S.self == Float.self
                                ? Activation.reluBackwardFloat(UnsafeMutableRawPointer(g), output: UnsafeRawPointer(y),
                                                               slope: Float(slope), range)
                                : range.lowerBound
                            for i in tail..<range.upperBound where !(y[i] > 0) { g[i] *= slope }
                        case .sigmoid:
                            for i in range { g[i] *= y[i] * (1 - y[i]) }
                        default:
                            for i in range { g[i] *= derivative(z[i], output: y[i]) }
                        }
                    }
                }
            }
        }
    }
}

// Seeded weight initialisation: He for the ReLU family, Glorot for the rest.
import Foundation

/// A weight-initialisation scheme for a dense layer's `[outputs, inputs]` weight.
///
/// reference: He et al. 2015 (normal, std √(2/fan_in)); Glorot & Bengio 2010 (uniform,
/// limit √(6/(fan_in+fan_out))).
public enum Initializer: String, Sendable, Codable {
    case he, glorot

    /// The scheme suited to a layer followed by `activation`.
    public static func suited(to activation: Activation) -> Initializer {
        switch activation {
        case .relu, .leakyRelu, .gelu: return .he
        case .linear, .sigmoid, .tanh: return .glorot
        }
    }

    /// `outputs × inputs` weights drawn from `generator`.
    public func weights<S: BLASScalar>(
        outputs: Int, inputs: Int, using generator: inout RandomGenerator
    ) -> Matrix<S> {
        var w = Matrix<S>(rows: outputs, columns: inputs)
        switch self {
        case .he:
            let std = (2 / Double(max(inputs, 1))).squareRoot()
            for i in w.storage.indices { w.storage[i] = S(generator.nextGaussian() * std) }
        case .glorot:
            let limit = (6 / Double(max(inputs + outputs, 1))).squareRoot()
            for i in w.storage.indices { w.storage[i] = S((generator.nextUniform() * 2 - 1) * limit) }
        }
        return w
    }
}

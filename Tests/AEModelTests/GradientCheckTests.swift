// Finite differences in Float64 against the backward pass of both model kinds.
import AEMath
import AEModel
import AETestSupport
import Testing

@Suite("Model gradient checks (Float64)")
struct GradientCheckTests {
    static func batch(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
        var g = RandomGenerator(seed: seed)
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in 0.05 + 0.9 * g.nextUniform() })
    }

    @Test("an autoencoder using every activation: backward matches finite differences", arguments: Loss.allCases)
    func autoencoder(loss: Loss) throws {
        let architecture = Architecture(
            kind: .autoencoder, inputDimension: 5,
            encoder: [.init(units: 4, activation: .gelu), .init(units: 4, activation: .leakyRelu),
                      .init(units: 3, activation: .tanh), .init(units: 2, activation: .linear)],
            decoder: [.init(units: 3, activation: .relu), .init(units: 5, activation: .sigmoid)])
        let model = try Autoencoder<Double>(architecture: architecture, seed: 17)
        let x = Self.batch(3, 5, seed: 4)
        var gradients = model.zeroGradients()
        _ = model.backward(model.forward(x), target: x, loss: loss, beta: 0, into: &gradients)
        gradientCheck("autoencoder/\(loss.rawValue)", at: flatten(model.layers), analytic: flatten(gradients), rtol: 1e-5, atol: 1e-9) { p in
            let m = replacingParameters(model, with: p)
            return m.evaluate(x, target: x, loss: loss, beta: 0).total
        }
    }

    @Test("a variational model: backward of reconstruction + beta·KL matches finite differences", arguments: Loss.allCases)
    func variational(loss: Loss) throws {
        let architecture = Architecture(
            kind: .variational, inputDimension: 5,
            encoder: [.init(units: 4, activation: .relu)],
            decoder: [.init(units: 4, activation: .tanh), .init(units: 5, activation: .sigmoid)],
            latentDimension: 2)
        let model = try Autoencoder<Double>(architecture: architecture, seed: 23)
        let x = Self.batch(3, 5, seed: 5)
        var g = RandomGenerator(seed: 6)
        let noise = Matrix<Double>(rows: 3, columns: 2, values: (0..<6).map { _ in g.nextGaussian() })
        var gradients = model.zeroGradients()
        _ = model.backward(model.forward(x, noise: noise), target: x, loss: loss, beta: 0.7, into: &gradients)
        gradientCheck("variational/\(loss.rawValue)", at: flatten(model.layers), analytic: flatten(gradients), rtol: 1e-5, atol: 1e-9) { p in
            let m = replacingParameters(model, with: p)
            var unused = m.zeroGradients()
            return m.backward(m.forward(x, noise: noise), target: x, loss: loss, beta: 0.7, into: &unused).total
        }
    }

    @Test("gradient clipping scales to the maximum norm and leaves small gradients alone")
    func clipping() throws {
        let architecture = try #require(Architecture.preset(named: "seed"))
        let model = try Autoencoder<Float>(architecture: Architecture(kind: .autoencoder, inputDimension: 3,
            encoder: [.init(units: 2, activation: .linear)], decoder: [.init(units: 3, activation: .linear)]), seed: 1)
        _ = architecture
        var gradients = model.zeroGradients()
        gradients[0].weight.storage = [3, 0, 0, 0, 0, 0]
        gradients[1].bias = [0, 4, 0]
        #expect(GradientClipping.clip(&gradients, maxNorm: 1) == 5)
        expectClose([Double(GradientClipping.globalNorm(gradients))], [1], rtol: 1e-5, "clipped norm")
        var small = model.zeroGradients()
        small[0].bias = [0.1, 0]
        GradientClipping.clip(&small, maxNorm: 1)
        #expect(small[0].bias == [0.1, 0])
    }
}

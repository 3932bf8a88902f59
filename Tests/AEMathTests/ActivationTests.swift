import AEMath
import AETestSupport
import Testing

@Suite("Activation")
struct ActivationTests {
    // Points away from the kinks of relu and leaky_relu at 0, where no derivative exists.
    static let points: [Double] = [-3.1, -1.7, -0.6, -0.05, 0.03, 0.4, 1.2, 2.9]

    @Test("each activation's backward matches central differences in Float64", arguments: Activation.allCases)
    func gradient(activation: Activation) {
        let z = Matrix<Double>(rows: 2, columns: 4, values: Self.points)
        var y = z
        activation.apply(&y)
        // L = Σ wᵢ·f(zᵢ) with distinct weights so that every element matters.
        let weights = (0..<8).map { Double($0) * 0.3 - 1 }
        var g = Matrix<Double>(rows: 2, columns: 4, values: weights)
        activation.backward(&g, preActivation: z, output: y)
        gradientCheck("\(activation.rawValue)", at: Self.points, analytic: g.storage) { x in
            var m = Matrix<Double>(rows: 2, columns: 4, values: x)
            activation.apply(&m)
            return zip(m.storage, weights).map(*).reduce(0, +)
        }
    }

    @Test("activations take their textbook values", arguments: [
        (Activation.relu, -2.0, 0.0), (.relu, 3.0, 3.0), (.leakyRelu, -2.0, -0.02), (.sigmoid, 0.0, 0.5),
        (.tanh, 0.0, 0.0), (.gelu, 1.0, 0.8413447460685429), (.gelu, -1.0, -0.15865525393145707), (.linear, -4.5, -4.5),
    ])
    func values(activation: Activation, x: Double, expected: Double) {
        #expect(abs(activation.value(x) - expected) < 1e-12)
    }

    @Test("activation names are the architecture JSON's")
    func names() {
        #expect(Activation.allCases.map(\.rawValue) == ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"])
    }
}

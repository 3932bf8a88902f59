import AEMath
import Testing

@Suite("Initializer")
struct InitializerTests {
    @Test("He init has standard deviation √(2/fan_in); Glorot stays within √(6/(fan_in+fan_out))")
    func scales() {
        var g = RandomGenerator(seed: 3)
        let he: Matrix<Float> = Initializer.he.weights(outputs: 400, inputs: 200, using: &g)
        let std = (he.storage.map { Double($0 * $0) }.reduce(0, +) / Double(he.count)).squareRoot()
        #expect(abs(std - (2.0 / 200).squareRoot()) < 0.003)
        let glorot: Matrix<Float> = Initializer.glorot.weights(outputs: 30, inputs: 50, using: &g)
        let limit = Float((6.0 / 80).squareRoot())
        #expect(glorot.storage.allSatisfy { abs($0) <= limit })
        #expect(glorot.storage.contains { abs($0) > limit * 0.9 })
    }

    @Test("the ReLU family gets He, the rest Glorot")
    func suited() {
        #expect(Initializer.suited(to: .relu) == .he)
        #expect(Initializer.suited(to: .gelu) == .he)
        #expect(Initializer.suited(to: .sigmoid) == .glorot)
        #expect(Initializer.suited(to: .linear) == .glorot)
    }
}

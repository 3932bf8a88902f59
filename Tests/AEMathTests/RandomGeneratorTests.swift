import AEMath
import Testing

@Suite("RandomGenerator")
struct RandomGeneratorTests {
    @Test("the same seed gives the same sequence; another seed a different one")
    func seeded() {
        var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7), c = RandomGenerator(seed: 8)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
    }

    @Test("restoring saved state continues the exact sequence")
    func restore() throws {
        var a = RandomGenerator(seed: 99)
        for _ in 0..<37 { _ = a.next() }
        var b = try #require(RandomGenerator(state: a.state))
        #expect((0..<50).map { _ in a.nextGaussian() } == (0..<50).map { _ in b.nextGaussian() })
        #expect(RandomGenerator(state: [0, 0, 0, 0]) == nil)
        #expect(RandomGenerator(state: [1, 2]) == nil)
    }

    @Test("uniform values lie in [0, 1) and Gaussians have mean ≈ 0 and variance ≈ 1")
    func distributions() {
        var g = RandomGenerator(seed: 5)
        let u = (0..<100_000).map { _ in g.nextUniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Double(u.count) - 0.5) < 0.01)
        let z = (0..<100_000).map { _ in g.nextGaussian() }
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test("shuffle yields a permutation that depends on the seed")
    func shuffle() {
        var g = RandomGenerator(seed: 11)
        var values = Array(0..<1000)
        g.shuffle(&values)
        #expect(values.sorted() == Array(0..<1000))
        #expect(values != Array(0..<1000))
        var h = RandomGenerator(seed: 11)
        var again = Array(0..<1000)
        h.shuffle(&again)
        #expect(values == again)
    }
}

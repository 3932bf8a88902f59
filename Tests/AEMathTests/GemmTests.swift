import AEMath
import AETestSupport
import Testing

@Suite("Gemm")
struct GemmTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 7, 3), (5, 1, 9), (7, 13, 5), (33, 17, 1), (64, 3, 129), (3, 65, 31),
    ]

    static func random<S: BLASScalar>(_ rows: Int, _ columns: Int, _ g: inout RandomGenerator) -> Matrix<S> {
        Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in S(g.nextUniform() * 2 - 1) })
    }

    @Test("the BLAS product equals the naive loop for every transpose case and odd shapes (Float)",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesReferenceFloat(transposeA: Bool, transposeB: Bool) {
        var g = RandomGenerator(seed: 1)
        for (m, n, k) in Self.shapes {
            let a: Matrix<Float> = transposeA ? Self.random(k, m, &g) : Self.random(m, k, &g)
            let b: Matrix<Float> = transposeB ? Self.random(n, k, &g) : Self.random(k, n, &g)
            let c0: Matrix<Float> = Self.random(m, n, &g)
            var fast = c0, slow = c0
            Gemm.multiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &fast, alpha: 0.5, beta: 2)
            Gemm.referenceMultiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &slow, alpha: 0.5, beta: 2)
            expectClose(fast.storage, slow.storage, rtol: 1e-5, atol: 1e-5, "C \(m)×\(n)×\(k) tA=\(transposeA) tB=\(transposeB)")
        }
    }

    @Test("the BLAS product equals the naive loop in Double",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesReferenceDouble(transposeA: Bool, transposeB: Bool) {
        var g = RandomGenerator(seed: 2)
        for (m, n, k) in Self.shapes {
            let a: Matrix<Double> = transposeA ? Self.random(k, m, &g) : Self.random(m, k, &g)
            let b: Matrix<Double> = transposeB ? Self.random(n, k, &g) : Self.random(k, n, &g)
            var fast = Matrix<Double>(rows: m, columns: n), slow = fast
            Gemm.multiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &fast)
            Gemm.referenceMultiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &slow)
            expectClose(fast.storage, slow.storage, rtol: 1e-12, atol: 1e-12, "C \(m)×\(n)×\(k)")
        }
    }

    @Test("products large enough to be split (gemv by columns, rows, columns) equal the naive loop, every transpose case",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProducts(transposeA: Bool, transposeB: Bool) {
        var g = RandomGenerator(seed: 5)
        // (1, 700, 600): one row → gemv split over columns; (5, 700, 600): under 8 rows → a gemv
        // per row (a gemm when op(a) is transposed), split over columns; (300, 40, 50): split
        // over rows; (20, 900, 30): too few rows → split over columns.
        for (m, n, k) in [(1, 700, 600), (5, 700, 600), (7, 650, 300), (300, 40, 50), (20, 900, 30), (1, 3, 5)] {
            let a: Matrix<Float> = transposeA ? Self.random(k, m, &g) : Self.random(m, k, &g)
            let b: Matrix<Float> = transposeB ? Self.random(n, k, &g) : Self.random(k, n, &g)
            let c0: Matrix<Float> = Self.random(m, n, &g)
            var fast = c0, slow = c0
            Parallel.$taskWidth.withValue(2) {
                Gemm.multiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &fast, alpha: 1.5, beta: 0.5)
            }
            Gemm.referenceMultiply(a, transposingA: transposeA, b, transposingB: transposeB, into: &slow, alpha: 1.5, beta: 0.5)
            expectClose(fast.storage, slow.storage, rtol: 1e-4, atol: 1e-4, "C \(m)×\(n)×\(k) tA=\(transposeA) tB=\(transposeB)")
        }
    }

    @Test("a product repeats bit for bit at a given thread count, and agrees closely across thread counts")
    func threadCounts() {
        // OpenBLAS blocks a product by its size, so blocks of another height can round
        // differently: reproducibility holds per thread count (as DESIGN allows), not across.
        var g = RandomGenerator(seed: 6)
        let a: Matrix<Float> = Self.random(256, 300, &g)
        let b: Matrix<Float> = Self.random(120, 300, &g)
        var one = Matrix<Float>(rows: 256, columns: 120), two = one, again = one
        Parallel.$taskWidth.withValue(1) { Gemm.multiply(a, b, transposingB: true, into: &one) }
        Parallel.$taskWidth.withValue(2) {
            Gemm.multiply(a, b, transposingB: true, into: &two)
            Gemm.multiply(a, b, transposingB: true, into: &again)
        }
        #expect(two == again)
        expectClose(two.storage, one.storage, rtol: 1e-5, atol: 1e-5, "2 threads vs 1")
    }

    @Test("an empty inner dimension scales C by beta instead of leaving it")
    func emptyInnerDimension() {
        let a = Matrix<Float>(rows: 2, columns: 0)
        let b = Matrix<Float>(rows: 0, columns: 3)
        var c = Matrix<Float>(rows: 2, columns: 3, repeating: 4)
        Gemm.multiply(a, b, into: &c, beta: 0.5)
        #expect(c.storage == [Float](repeating: 2, count: 6))
    }

    @Test("a product over many rows matches the naive loop (batch-sized shapes)")
    func batchShapes() {
        var g = RandomGenerator(seed: 3)
        let x: Matrix<Float> = Self.random(257, 31, &g)
        let w: Matrix<Float> = Self.random(19, 31, &g)
        var fast = Matrix<Float>(rows: 257, columns: 19), slow = fast
        Gemm.multiply(x, w, transposingB: true, into: &fast)
        Gemm.referenceMultiply(x, w, transposingB: true, into: &slow)
        expectClose(fast.storage, slow.storage, rtol: 1e-5, atol: 1e-5, "x·wᵀ")
    }
}

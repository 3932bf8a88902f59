// The algorithmic reference for Gemm: a naive triple loop the tests hold the BLAS path to.

extension Gemm {
    /// `c = alpha·op(a)·op(b) + beta·c` by the textbook triple loop (slow; for tests).
    public static func referenceMultiply<Scalar: BLASScalar>(
        _ a: Matrix<Scalar>, transposingA: Bool = false,
        _ b: Matrix<Scalar>, transposingB: Bool = false,
        into c: inout Matrix<Scalar>, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (m, k) = transposingA ? (a.columns, a.rows) : (a.rows, a.columns)
        let n = transposingB ? b.rows : b.columns
        precondition((transposingB ? b.columns : b.rows) == k, "reference gemm: inner dimensions differ")
        precondition(c.rows == m && c.columns == n, "reference gemm: output shape differs")
        for i in 0..<m {
            for j in 0..<n {
                var sum: Scalar = 0
                for p in 0..<k {
                    let x = transposingA ? a[p, i] : a[i, p]
                    let y = transposingB ? b[j, p] : b[p, j]
                    sum += x * y
                }
                c[i, j] = alpha * sum + beta * c[i, j]
            }
        }
    }
}

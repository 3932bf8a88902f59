// The one wrapper around BLAS gemm: every matrix product of the engine goes through here.

/// Matrix products on `Matrix`, row-major, through BLAS `gemm`.
public enum Gemm {
    /// `c = alpha·op(a)·op(b) + beta·c`, where `op` transposes when asked.
    ///
    /// Shapes: `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, `c` is `[m, n]`.
    /// ```
    /// Gemm.multiply(x, w, transposingB: true, into: &y)   // y = x · wᵀ
    /// ```
    @_specialize(exported: true, where Scalar == Float)
    public static func multiply<Scalar: BLASScalar>(
        _ a: Matrix<Scalar>, transposingA: Bool = false,
        _ b: Matrix<Scalar>, transposingB: Bool = false,
        into c: inout Matrix<Scalar>, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (m, k) = transposingA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposingB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "gemm: inner dimensions differ (\(k) vs \(kb))")
        precondition(c.rows == m && c.columns == n,
                     "gemm: output is \(c.rows)×\(c.columns), product is \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k = 0 only when beta = 1; scale it ourselves.
            for i in c.storage.indices { c.storage[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(
                        transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k,
                        alpha: alpha, a: pa.baseAddress!, lda: max(1, a.columns),
                        b: pb.baseAddress!, ldb: max(1, b.columns), beta: beta,
                        c: pc.baseAddress!, ldc: max(1, n))
                }
            }
        }
    }
}

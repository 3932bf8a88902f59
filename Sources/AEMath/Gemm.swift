// The one wrapper around BLAS gemm: every matrix product of the engine goes through here.
//
// OpenBLAS runs single-threaded and this wrapper splits large products into row (or column)
// blocks, one single-threaded call per core. Measured on the 2-core machine: the small layers
// of an autoencoder (128×32, 32×128) reach 2–4× OpenBLAS 0.3.21's own threading, and
// concurrent requests no longer contend for one BLAS thread pool. Products of fewer than 8 rows
// go to gemv, a row at a time: OpenBLAS runs a one-row gemm ~5× slower than a gemv.

/// Matrix products on `Matrix`, row-major, through BLAS.
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
        ComputePolicy.prepareBLAS()
        let lda = max(1, a.columns), ldb = max(1, b.columns), ldc = max(1, n)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    let (a, b, c) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                    let blocks = Parallel.width > 1 && m * n * k >= parallelWork ? Parallel.width : 1
                    if m == 1 || (m < gemvRowsBelow && !transposingA) {
                        // Row i of c = op(a)[i]·op(b) is op(b)ᵀ·x: one gemv per row, split over
                        // output columns. A gemm packs all of op(b) whatever its height, which for
                        // 2–7 rows costs more than reading op(b) once per row.
                        Parallel.forEachBlock(n, blocks: blocks, minimum: 64) { cols in
                            let matrix = transposingB ? b + cols.lowerBound * ldb : b + cols.lowerBound
                            for row in 0 ..< m {
                                Scalar.gemv(transpose: !transposingB, rows: transposingB ? cols.count : k,
                                            columns: transposingB ? k : cols.count, alpha: alpha, a: matrix, lda: ldb,
                                            x: a + row * lda, beta: beta, y: c + row * ldc + cols.lowerBound)
                            }
                        }
                    } else if m >= rowSplitMinimum || blocks == 1 {
                        Parallel.forEachBlock(m, blocks: blocks, minimum: blockRows) { rows in
                            let aBlock = transposingA ? a + rows.lowerBound : a + rows.lowerBound * lda
                            Scalar.gemm(transposeA: transposingA, transposeB: transposingB, m: rows.count, n: n, k: k,
                                        alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb, beta: beta,
                                        c: c + rows.lowerBound * ldc, ldc: ldc)
                        }
                    } else {
                        // Few rows, large n: split the columns of op(b) and c instead.
                        Parallel.forEachBlock(n, blocks: blocks, minimum: 64) { cols in
                            let bBlock = transposingB ? b + cols.lowerBound * ldb : b + cols.lowerBound
                            Scalar.gemm(transposeA: transposingA, transposeB: transposingB, m: m, n: cols.count, k: k,
                                        alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta,
                                        c: c + cols.lowerBound, ldc: ldc)
                        }
                    }
                }
            }
        }
    }

    /// Products with fewer multiply-adds than this run on one core: splitting costs more.
    static let parallelWork = 1 << 18
    /// Products with fewer rows run as one gemv per row. Reconstructing with the bundled
    /// fashion-mnist model on one core (`aeserve bench --batches`): 40 µs a row alone, 107 µs a
    /// row as a 2-row gemm, 48–49 at 4–6 rows, 33 at 8.
    public static let gemvRowsBelow = 8
    /// The fewest rows worth a block of their own.
    static let blockRows = 16
    /// Products with fewer rows split the columns of op(b) instead: every row block packs all
    /// of op(b), a column block only its share (32-row inference products: 67k → 79k rows/s).
    static let rowSplitMinimum = 128
}

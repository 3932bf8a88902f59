// The element types the math runs on: Float for serving and training, Double so that
// finite-difference gradient checks run the very same code in Float64.
import CBLAS
import Foundation

/// A floating-point element type with a BLAS matrix product and the elementary functions.
public protocol BLASScalar: BinaryFloatingPoint, Sendable, Codable {
    /// Row-major `C = alpha·op(A)·op(B) + beta·C` through the BLAS `gemm` of this type.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
        c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Row-major `y = alpha·op(A)·x + beta·y` through the BLAS `gemv` of this type, where
    /// `A` is `rows × columns` and `op` transposes when asked.
    static func gemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// e^x.
    static func exponential(_ x: Self) -> Self
    /// Natural logarithm.
    static func logarithm(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func hyperbolicTangent(_ x: Self) -> Self
    /// The error function.
    static func errorFunction(_ x: Self) -> Self
}

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
    public static func gemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, cblasTranspose(transpose), Int32(rows), Int32(columns), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }
    @inlinable public static func exponential(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func logarithm(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func hyperbolicTangent(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func errorFunction(_ x: Float) -> Float { Foundation.erf(x) }
}

extension Double: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }
    public static func gemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, cblasTranspose(transpose), Int32(rows), Int32(columns), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }
    @inlinable public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func errorFunction(_ x: Double) -> Double { Foundation.erf(x) }
}


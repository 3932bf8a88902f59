// A dense row-major matrix: the one tensor type of the engine.

/// A dense, row-major matrix with `rows × columns` elements.
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable {
    /// Number of rows (the batch dimension for activations).
    public var rows: Int
    /// Number of columns (features).
    public var columns: Int
    /// Row-major elements; `storage[r * columns + c]`.
    public var storage: [Scalar]

    /// A matrix filled with `value`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Scalar](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major values; `values.count` must be `rows * columns`.
    @inlinable
    public init(rows: Int, columns: Int, values: [Scalar]) {
        precondition(values.count == rows * columns,
                     "matrix \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.storage = values
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }

    /// The element at row `r`, column `c`.
    @inlinable public subscript(r: Int, c: Int) -> Scalar {
        get { storage[r * columns + c] }
        set { storage[r * columns + c] = newValue }
    }

    /// A copy of row `r`.
    @inlinable
    public func row(_ r: Int) -> [Scalar] {
        Array(storage[(r * columns)..<((r + 1) * columns)])
    }

    /// A new matrix holding the given rows, in order.
    @inlinable
    public func gatherRows<C: Collection>(_ indices: C) -> Matrix<Scalar> where C.Element == Int {
        var out = Matrix(rows: indices.count, columns: columns)
        let width = columns
        storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for (k, r) in indices.enumerated() {
                    let from = src.baseAddress! + r * width
                    (dst.baseAddress! + k * width).update(from: from, count: width)
                }
            }
        }
        return out
    }
}

// The result of reading `[[f, …], …]`: rows of equal length, stored row-major in one array.

/// Rows of Float of one length, stored row-major.
public struct FloatMatrix: Sendable, Equatable {
    /// All values, row after row.
    public var values: [Float]
    /// How many rows were read.
    public var rowCount: Int
    /// How many values each row holds.
    public var columnCount: Int

    /// A matrix of `rowCount` rows of `columnCount` values; `values.count` must be their product.
    public init(values: [Float], rowCount: Int, columnCount: Int) {
        precondition(values.count == rowCount * columnCount, "\(values.count) values do not fill \(rowCount)×\(columnCount)")
        self.values = values
        self.rowCount = rowCount
        self.columnCount = columnCount
    }
}

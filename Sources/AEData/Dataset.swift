// A table of samples held row-major in one Float buffer, the shape the trainer feeds to sgemm.

/// Samples of equal length, stored row-major: `values[row * dimension + column]`.
public struct Dataset: Sendable, Equatable {
    /// The number of samples (rows).
    public let count: Int
    /// The number of features per sample (columns).
    public let dimension: Int
    /// All values, row-major, `count × dimension` of them.
    public let values: [Float]
    /// The file name the samples came from, or "inline".
    public let source: String

    /// Creates a dataset from vectors, refusing an empty list, ragged rows and NaN/Inf values.
    public init(vectors: [[Float]], source: String = "inline") throws {
        guard let first = vectors.first else {
            throw DataError(.empty, source: source, at: .whole, "expected at least one vector, got none")
        }
        guard !first.isEmpty else {
            throw DataError(.empty, source: source, at: .row(0, column: nil),
                            "vector is empty; expected at least one value")
        }
        let dimension = first.count
        var values: [Float] = []
        values.reserveCapacity(vectors.count * dimension)
        for (row, vector) in vectors.enumerated() {
            guard vector.count == dimension else {
                throw DataError(.ragged, source: source, at: .row(row, column: nil),
                                "row \(row) has \(vector.count) values; row 0 has \(dimension)")
            }
            values.append(contentsOf: vector)
        }
        try Dataset.checkFinite(values, dimension: dimension, source: source)
        self.init(unchecked: values, dimension: dimension, source: source)
    }

    /// Creates a dataset from row-major values, refusing a count that is not a multiple of
    /// `dimension`, no values at all, and NaN/Inf values.
    public init(values: [Float], dimension: Int, source: String = "inline") throws {
        guard dimension > 0, !values.isEmpty else {
            throw DataError(.empty, source: source, at: .whole,
                            "expected a positive dimension and at least one value, got dimension \(dimension) and \(values.count) values")
        }
        guard values.count % dimension == 0 else {
            throw DataError(.ragged, source: source, at: .row(values.count / dimension, column: nil),
                            "\(values.count) values do not split into rows of \(dimension)")
        }
        try Dataset.checkFinite(values, dimension: dimension, source: source)
        self.init(unchecked: values, dimension: dimension, source: source)
    }

    /// Trusts the caller: readers validate while converting, so a second pass would be waste.
    init(unchecked values: [Float], dimension: Int, source: String) {
        self.count = dimension == 0 ? 0 : values.count / dimension
        self.dimension = dimension
        self.values = values
        self.source = source
    }

    /// The first `n` samples (all of them when `n ≥ count`).
    public func prefix(_ n: Int) -> Dataset {
        precondition(n >= 0, "Dataset.prefix: n must not be negative, got \(n)")
        guard n < count else { return self }
        return Dataset(unchecked: Array(values[0 ..< n * dimension]), dimension: dimension, source: source)
    }

    /// The same samples under another source name (a loader names the file, not the gunzipped stream).
    func renamed(_ source: String) -> Dataset {
        Dataset(unchecked: values, dimension: dimension, source: source)
    }

    /// The values of sample `row`.
    public subscript(row: Int) -> ArraySlice<Float> {
        values[row * dimension ..< (row + 1) * dimension]
    }

    /// Throws for the first NaN or infinite value, naming its row and column.
    static func checkFinite(_ values: [Float], dimension: Int, source: String) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw nonFinite(values[index], at: index, dimension: dimension, source: source)
        }
    }

    /// The error for a NaN or infinite value at flat `index`.
    static func nonFinite(_ value: some BinaryFloatingPoint, at index: Int, dimension: Int, source: String) -> DataError {
        let row = index / dimension, column = index % dimension
        return DataError(.nonFinite, source: source, at: .row(row, column: column),
                         "value \(value) is not a finite Float32; expected a finite number")
    }
}

extension Dataset {
    /// The number of rows to keep of `available`, after checking that `limit` is positive.
    static func rowsToKeep(of available: Int, limit: Int?, source: String) throws -> Int {
        guard let limit else { return available }
        guard limit > 0 else {
            throw DataError(.empty, source: source, at: .whole, "sample limit must be positive, got \(limit)")
        }
        return min(limit, available)
    }
}

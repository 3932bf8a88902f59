// The result of reading nested number arrays of any depth, as KServe V2 `data` may arrive.

/// Values of a rectangular nested array, flattened row-major, with the lengths at each depth.
public struct FloatTensor: Sendable, Equatable {
    /// All values, innermost arrays in order.
    public var values: [Float]
    /// The length at each depth, outermost first: `[[1, 2, 3], [4, 5, 6]]` has shape `[2, 3]`.
    public var shape: [Int]

    /// A tensor of `shape` holding `values`; `values.count` must be the product of `shape`.
    public init(values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill the shape \(shape)")
        self.values = values
        self.shape = shape
    }
}

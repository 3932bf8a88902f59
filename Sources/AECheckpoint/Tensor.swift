// A dense row-major Float tensor: the unit the checkpoint layer reads and writes.

/// A dense tensor of Float values in row-major (C) order.
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first (PyTorch order: a Linear weight is `[out, in]`).
    public let shape: [Int]
    /// The values, row-major; `values.count` is the product of `shape`.
    public let values: [Float]

    /// Creates a tensor; `values.count` must equal the product of `shape` (a programmer error otherwise).
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(shape.reduce(1, *) == values.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }
}

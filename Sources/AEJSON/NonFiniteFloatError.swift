// JSON has no NaN or infinity (RFC 8259 §6); writers refuse them rather than print invalid JSON.

/// A NaN or infinite value met while writing Floats as JSON.
public struct NonFiniteFloatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The flat, row-major index of the value.
    public let index: Int
    /// The value itself.
    public let value: Float

    /// The error for `value` at flat `index`.
    public init(index: Int, value: Float) {
        self.index = index
        self.value = value
    }

    /// Names the index and the value, and why it cannot be written.
    public var description: String {
        "the value at index \(index) is \(value), which JSON cannot represent"
    }
}

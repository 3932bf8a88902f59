// Why compressed bytes could not be inflated, with where in the input it was found.

/// Compressed input that cannot be inflated, or whose output is over the caller's limit.
public struct CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The input ended inside a member (or was empty).
        case truncated
        /// The bytes are not what the format says (bad header, data or checksum).
        case corrupt
        /// The output would pass the limit the inflater was given.
        case tooLarge
        /// zlib itself failed (out of memory).
        case zlibFailure
    }

    /// What went wrong.
    public let kind: Kind
    /// How many input bytes had been read when the problem was found.
    public let offset: Int
    /// The input offset where the member holding the problem starts.
    public let memberStart: Int
    /// A sentence saying what is wrong (zlib's own words for corrupt data).
    public let message: String

    /// An error of `kind` found at input `offset`, in the member starting at `memberStart`.
    public init(_ kind: Kind, offset: Int, memberStart: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.memberStart = memberStart
        self.message = message
    }

    public var description: String { "\(message) (at input byte \(offset))" }
}

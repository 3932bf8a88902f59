// The one error type of AEJSON: every message names the JSON path, what was expected, what was
// found and the byte offset, e.g. `vectors[3][17]: expected a number, found "abc" at byte 1042`.

/// A JSON document that could not be read as the caller asked.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers can choose a status or a test can check the cause.
    public enum Kind: String, Sendable, Equatable {
        /// The bytes are not JSON: a bad token, number, escape, UTF-8 sequence, or an early end.
        case syntax
        /// Valid JSON, but another kind of value than the one asked for.
        case typeMismatch
        /// A number too large for the asked type (it would round to infinity or overflow).
        case outOfRange
        /// A key that appears twice in one object while duplicates are refused.
        case duplicateKey
        /// Nested arrays whose lengths or depths differ where a rectangular array was asked for.
        case ragged
        /// Arrays and objects nested deeper than the scanner's limit.
        case tooDeep
        /// A well-formed value that the caller refused (an unknown name, a missing key).
        case invalidValue
    }

    /// What went wrong, coarsely.
    public let kind: Kind
    /// Where the offending value sits in the document.
    public let path: JSONPath
    /// The 0-based byte offset of the offending byte or value.
    public let offset: Int
    /// What was expected and what was found, without the path or offset.
    public let message: String

    /// An error of `kind` at `path` and byte `offset`.
    public init(_ kind: Kind, at path: JSONPath, offset: Int, _ message: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.message = message
    }

    /// `path: message at byte offset`.
    public var description: String {
        "\(path): \(message) at byte \(offset)"
    }
}

// The one error type of AEData: every message names the source, a position in it and what was
// expected, so a user can find and fix the offending byte, line or value.

/// A dataset that could not be read, resolved or validated.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, coarsely, so callers can map errors to statuses (413, 404, 403, 400).
    public enum Kind: String, Sendable, Equatable {
        /// The bytes do not follow the format (magic, header, cell syntax).
        case malformed
        /// The data ends before its header says it should.
        case truncated
        /// A well-formed feature this reader does not handle (dtype, order, format).
        case unsupported
        /// A NaN or infinite value.
        case nonFinite
        /// Samples of different lengths.
        case ragged
        /// No samples, or samples with no features.
        case empty
        /// More bytes than the configured limit.
        case tooLarge
        /// Compressed data that fails its checks.
        case corrupt
        /// A path that would leave the data roots.
        case refused
        /// A path that names no file under any data root.
        case notFound
        /// The file system refused to give the bytes.
        case unreadable
        /// Class labels that are not integers, do not match their dataset, or lack a class asked for.
        case labels
    }

    /// Where in the source the problem sits.
    public enum Position: Sendable, Equatable, CustomStringConvertible {
        /// A byte offset (in the decompressed data when the file was gzipped).
        case byte(Int)
        /// A 1-based text line and, when known, a 1-based column (field number).
        case line(Int, column: Int?)
        /// A 0-based sample index and, when known, a 0-based feature index.
        case row(Int, column: Int?)
        /// The source as a whole (a path, an empty file).
        case whole

        /// The position as it appears in messages: "byte 16", "line 7, column 3", "row 2".
        public var description: String {
            switch self {
            case .byte(let offset): "byte \(offset)"
            case .line(let line, nil): "line \(line)"
            case .line(let line, let column?): "line \(line), column \(column)"
            case .row(let row, nil): "row \(row)"
            case .row(let row, let column?): "row \(row), column \(column)"
            case .whole: ""
            }
        }
    }

    /// The coarse category of the problem.
    public let kind: Kind
    /// The file name (or "inline") the problem was found in.
    public let source: String
    /// Where in the source the problem was found.
    public let position: Position
    /// What was found and what was expected.
    public let message: String

    /// Creates an error; `message` should say what was expected and what was found.
    public init(_ kind: Kind, source: String, at position: Position, _ message: String) {
        self.kind = kind
        self.source = source
        self.position = position
        self.message = message
    }

    /// The full message: "train.idx, byte 0: expected IDX magic 0x0000, found 0x1f8b".
    public var description: String {
        position == .whole ? "\(source): \(message)" : "\(source), \(position): \(message)"
    }
}

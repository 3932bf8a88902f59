// A small JSON reader for tests that keeps every number as the text the server wrote, so a
// test can check how a float was printed and read it back with Float(String).
import Foundation

/// A parsed JSON value; numbers keep their text.
public enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// Parses a whole document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.value()
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.error("trailing bytes") }
        return value
    }

    /// Parses a whole document given as text.
    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    /// The member `key` of an object (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element `index` of an array (nil otherwise).
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The elements of an array.
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members of an object.
    public var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    /// A string's value.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// A number's text as written.
    public var numberText: String? { if case .number(let n) = self { return n } else { return nil } }
    /// A number read as an integer.
    public var int: Int? { numberText.flatMap { Int($0) } }
    /// A number read as a Double.
    public var double: Double? { numberText.flatMap { Double($0) } }
    /// A boolean's value.
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The number texts of an array of numbers.
    public var numberTexts: [String]? { array?.compactMap(\.numberText) }
    /// The number texts of an array of arrays of numbers.
    public var numberTextRows: [[String]]? { array?.map { $0.numberTexts ?? [] } }

    public var description: String {
        switch self {
        case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .string(let s): return "\"\(s)\""
        case .number(let n): return n
        case .bool(let b): return "\(b)"
        case .null: return "null"
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        func error(_ message: String) -> HTTPClientError {
            HTTPClientError("JSON: \(message) at byte \(index): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [String: JSONValue] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value() else { throw error("expected a key") }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    index += 1
                    members[key] = try value()
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [JSONValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    elements.append(try value())
                    skipSpace()
                    guard index < bytes.count else { throw error("unexpected end") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                // Decode the string through Foundation (escapes and all), found by its closing quote.
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                guard end < bytes.count else { throw error("unterminated string") }
                let literal = Data(bytes[index...end])
                index = end + 1
                guard let text = try JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String else {
                    throw error("bad string")
                }
                return .string(text)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                let start = index
                while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw error("unexpected byte") }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
            let w = Array(word.utf8)
            guard bytes.count >= index + w.count, Array(bytes[index..<(index + w.count)]) == w else { throw error("bad literal") }
            index += w.count
            return value
        }
    }
}

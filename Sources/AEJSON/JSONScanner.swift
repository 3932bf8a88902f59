// A pull parser for JSON request bodies: the caller walks objects and arrays and reads the values
// it expects, so a body becomes typed data in one pass without Foundation or a tree in between.

/// Reads one JSON document value by value, tracking the path for errors.
///
/// ```swift
/// var scanner = JSONScanner(body)
/// try scanner.beginObject()
/// while let key = try scanner.nextKey() {
///     switch key {
///     case "vectors": matrix = try scanner.readFloatMatrix()
///     case "model": model = try scanner.readString()
///     default: try scanner.skipUnknownValue()
///     }
/// }
/// try scanner.finish()
/// ```
public struct JSONScanner {
    /// The kind of the next value, from its first byte.
    public enum ValueKind: Sendable, Equatable {
        case object, array, string, number, boolean, null
    }

    /// One open object or array.
    private struct Frame {
        var isObject: Bool
        /// Offset of the opening bracket, for errors about the container as a whole.
        var start: Int
        /// Index of the current element or member; -1 before the first.
        var index = -1
        /// The current member's key (objects only).
        var key: String?
        /// Keys seen so far, kept only while duplicates are refused; bodies have few keys per
        /// object, so a linear search beats hashing.
        var keys: [String] = []
    }

    private let buffer: ScannerBuffer
    /// `buffer.bytes`, kept here so hot loops need no class access; valid while `buffer` lives.
    let text: UnsafePointer<UInt8>
    /// The document's length in bytes.
    public let count: Int
    /// The offset of the next byte to read.
    public internal(set) var offset: Int
    /// How deep arrays and objects may nest; deeper documents are refused before recursion can
    /// exhaust the stack.
    public let maximumDepth: Int
    /// Whether a key repeated within one object is an error.
    public let rejectsDuplicateKeys: Bool
    /// The paths of members skipped with `skipUnknownValue()`, for the caller to report.
    public private(set) var unknownKeys: [JSONPath] = []
    private var frames: [Frame] = []
    /// Where the last value read (or the last container closed) started, for `invalidValue(_:)`.
    var valueStart = 0

    /// A scanner over a copy of `bytes` (padded with zeros for the loops); a leading BOM is skipped.
    public init(_ bytes: [UInt8], maximumDepth: Int = 64, rejectingDuplicateKeys: Bool = true) {
        let buffer = bytes.withUnsafeBytes { ScannerBuffer(copying: $0) }
        self.init(buffer: buffer, maximumDepth: maximumDepth, rejectingDuplicateKeys: rejectingDuplicateKeys)
    }

    /// A scanner over a copy of `bytes` (padded with zeros for the loops); a leading BOM is skipped.
    public init(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int = 64, rejectingDuplicateKeys: Bool = true) {
        self.init(buffer: ScannerBuffer(copying: bytes), maximumDepth: maximumDepth,
                  rejectingDuplicateKeys: rejectingDuplicateKeys)
    }

    private init(buffer: ScannerBuffer, maximumDepth: Int, rejectingDuplicateKeys: Bool) {
        self.buffer = buffer
        text = UnsafePointer(buffer.bytes)
        count = buffer.count
        self.maximumDepth = maximumDepth
        rejectsDuplicateKeys = rejectingDuplicateKeys
        let hasByteOrderMark = count >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF
        offset = hasByteOrderMark ? 3 : 0
    }

    /// The path of the value at the current position.
    public var path: JSONPath {
        JSONPath(components: frames.compactMap { frame in
            if frame.isObject { return frame.key.map { .key($0) } }
            return frame.index >= 0 ? .index(frame.index) : nil
        })
    }

    /// The nesting depth at the current position: 0 outside any array or object.
    public var depth: Int { frames.count }

    // MARK: Values

    /// The kind of the next value, without consuming it.
    public mutating func peek() throws(JSONError) -> ValueKind {
        offset = Self.skipWhitespace(text, offset)
        switch text[offset] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        default: throw error(.syntax, at: offset, "expected a value, found \(found(at: offset))")
        }
    }

    /// Reads a number, rounded to the nearest Float exactly as `Float(String)` rounds it.
    public mutating func readNumber() throws(JSONError) -> Float {
        let start = try numberStart()
        var end = start
        let number = try scanNumber(at: start, end: &end, path: path)
        let value = number.fastFloat() ?? DecimalNumber.slowValue(text, from: start, to: end, as: Float.self)
        guard let value, value.isFinite else {
            throw error(.outOfRange, at: start, "\(found(at: start)) is beyond Float's range (±3.4028235e38)")
        }
        offset = end
        return value
    }

    /// Reads a number, rounded to the nearest Double exactly as `Double(String)` rounds it.
    public mutating func readDouble() throws(JSONError) -> Double {
        let start = try numberStart()
        var end = start
        let number = try scanNumber(at: start, end: &end, path: path)
        let value = number.fastDouble() ?? DecimalNumber.slowValue(text, from: start, to: end, as: Double.self)
        guard let value, value.isFinite else {
            throw error(.outOfRange, at: start, "\(found(at: start)) is beyond Double's range (±1.7976931348623157e308)")
        }
        offset = end
        return value
    }

    /// Reads an integer written without fraction or exponent (`784`, `-3`).
    public mutating func readInteger() throws(JSONError) -> Int {
        let start = try numberStart()
        var end = start
        let number = try scanNumber(at: start, end: &end, path: path)
        guard number.isInteger else {
            throw error(.typeMismatch, at: start, "expected an integer, found \(found(at: start))")
        }
        // Digits after the 19th make the exponent positive, which is out of range too.
        guard number.exponent == 0, number.significand <= UInt64(Int.max) else {
            throw error(.outOfRange, at: start, "\(found(at: start)) is beyond Int's range")
        }
        offset = end
        let magnitude = Int(number.significand)
        return number.isNegative ? -magnitude : magnitude
    }

    /// Reads `true` or `false`.
    public mutating func readBoolean() throws(JSONError) -> Bool {
        offset = Self.skipWhitespace(text, offset)
        valueStart = offset
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw mismatch(expected: "true or false")
    }

    /// Reads `null`.
    public mutating func readNull() throws(JSONError) {
        offset = Self.skipWhitespace(text, offset)
        valueStart = offset
        guard matchLiteral("null") else { throw mismatch(expected: "null") }
    }

    /// Whether the next value is `null`; consumes it if so, for optional members.
    public mutating func readNullIfPresent() throws(JSONError) -> Bool {
        guard try peek() == .null else { return false }
        try readNull()
        return true
    }

    /// Skips the next value whole, checking that it is valid JSON.
    public mutating func skipValue() throws(JSONError) {
        switch try peek() {
        case .object:
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .string:
            // Decoding is the simplest full check of escapes and UTF-8; skipped strings are rare.
            _ = try readString()
        case .number:
            let start = try numberStart()
            var end = start
            _ = try scanNumber(at: start, end: &end, path: path)
            offset = end
        case .boolean:
            _ = try readBoolean()
        case .null:
            try readNull()
        }
    }

    /// Skips the current member's value and records its path in `unknownKeys`.
    public mutating func skipUnknownValue() throws(JSONError) {
        unknownKeys.append(path)
        try skipValue()
    }

    /// Checks that only whitespace follows the document's value.
    public mutating func finish() throws(JSONError) {
        offset = Self.skipWhitespace(text, offset)
        guard offset == count else {
            throw error(.syntax, at: offset, "expected the end of the document, found \(found(at: offset))")
        }
    }

    /// An error for a well-formed value the caller refuses, at the path and start of the value
    /// just read (or of the container just closed, for a missing key).
    ///
    /// ```swift
    /// guard datatype == "FP32" else { throw scanner.invalidValue("expected \"FP32\", found \"\(datatype)\"") }
    /// ```
    public func invalidValue(_ message: String) -> JSONError {
        JSONError(.invalidValue, at: path, offset: valueStart, message)
    }

    // MARK: Containers

    /// Consumes the `{` that opens an object; follow with `nextKey()` until it returns nil.
    public mutating func beginObject() throws(JSONError) {
        try open(UInt8(ascii: "{"), expected: "an object")
    }

    /// Moves to the next member of the current object and returns its key, or consumes the
    /// closing `}` and returns nil.
    public mutating func nextKey() throws(JSONError) -> String? {
        precondition(frames.last?.isObject == true, "nextKey() called outside an object")
        var i = Self.skipWhitespace(text, offset)
        let isFirst = frames[frames.count - 1].index < 0
        if text[i] == UInt8(ascii: "}") {
            offset = i + 1
            close()
            return nil
        }
        if !isFirst {
            guard text[i] == UInt8(ascii: ",") else {
                throw error(.syntax, at: i, "expected ',' or '}' after a member, found \(found(at: i))")
            }
            i = Self.skipWhitespace(text, i + 1)
        }
        guard text[i] == UInt8(ascii: "\"") else {
            let expected = isFirst ? "a key or '}'" : "a key after ','"
            throw error(.syntax, at: i, "expected \(expected), found \(found(at: i))")
        }
        offset = i
        let key = try readString()
        let keyStart = i
        i = Self.skipWhitespace(text, offset)
        guard text[i] == UInt8(ascii: ":") else {
            throw error(.syntax, at: i, "expected ':' after the key \(JSONPath.quoted(key)), found \(found(at: i))")
        }
        offset = i + 1
        let last = frames.count - 1
        if rejectsDuplicateKeys {
            if frames[last].keys.contains(key) {
                frames[last].key = key
                throw error(.duplicateKey, at: keyStart, "the key \(JSONPath.quoted(key)) appears twice in one object")
            }
            frames[last].keys.append(key)
        }
        frames[last].index += 1
        frames[last].key = key
        return key
    }

    /// Consumes the `[` that opens an array; follow with `nextElement()` until it returns false.
    public mutating func beginArray() throws(JSONError) {
        try open(UInt8(ascii: "["), expected: "an array")
    }

    /// Moves to the next element of the current array and returns true, or consumes the
    /// closing `]` and returns false.
    public mutating func nextElement() throws(JSONError) -> Bool {
        precondition(frames.last?.isObject == false, "nextElement() called outside an array")
        var i = Self.skipWhitespace(text, offset)
        let last = frames.count - 1
        if text[i] == UInt8(ascii: "]") {
            offset = i + 1
            close()
            return false
        }
        if frames[last].index >= 0 {
            guard text[i] == UInt8(ascii: ",") else {
                throw error(.syntax, at: i, "expected ',' or ']' after an element, found \(found(at: i))")
            }
            i += 1
        }
        offset = i
        frames[last].index += 1
        return true
    }

    private mutating func open(_ bracket: UInt8, expected: String) throws(JSONError) {
        offset = Self.skipWhitespace(text, offset)
        guard text[offset] == bracket else { throw mismatch(expected: expected) }
        guard frames.count < maximumDepth else {
            throw error(.tooDeep, at: offset, "arrays and objects nest deeper than \(maximumDepth) levels")
        }
        frames.append(Frame(isObject: bracket == UInt8(ascii: "{"), start: offset))
        valueStart = offset
        offset += 1
    }

    private mutating func close() {
        valueStart = frames.removeLast().start
    }

    // MARK: Bytes

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        // RFC 8259 §2: space, tab, line feed, carriage return.
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always)
    static func skipWhitespace(_ text: UnsafePointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while isWhitespace(text[i]) { i += 1 }
        return i
    }

    /// Consumes `literal` if the next bytes spell it and end there.
    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        guard spells(literal, at: offset) else { return false }
        offset += literal.utf8CodeUnitCount
        return true
    }

    /// Whether the bytes at `offset` are `literal`, not followed by more of a token.
    private func spells(_ literal: StaticString, at offset: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard offset + length <= count else { return false }
        for i in 0..<length where text[offset + i] != literal.utf8Start[i] { return false }
        return !Self.continuesToken(text[offset + length])
    }

    /// Bytes that cannot directly follow a number or literal: they would make a longer bad token.
    @inline(__always)
    static func continuesToken(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || DecimalNumber.isDigit(byte)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    // MARK: Numbers

    /// Skips whitespace and records the start of a number.
    private mutating func numberStart() throws(JSONError) -> Int {
        offset = Self.skipWhitespace(text, offset)
        valueStart = offset
        return offset
    }

    /// Scans a number token and checks what follows it; errors name `path`.
    @inline(__always)
    func scanNumber(at start: Int, end: inout Int, path: @autoclosure () -> JSONPath) throws(JSONError) -> DecimalNumber {
        let number: DecimalNumber
        do {
            number = try DecimalNumber.scan(text, from: start, end: &end)
        } catch {
            throw numberError(error, at: start, path: path())
        }
        guard !Self.continuesToken(text[end]) else {
            throw JSONError(.syntax, at: path(), offset: start, "expected a number, found \(found(at: start))")
        }
        return number
    }

    /// Explains a bad number token: another kind of value is a type mismatch, the rest is syntax.
    func numberError(_ error: DecimalNumber.SyntaxError, at start: Int, path: JSONPath) -> JSONError {
        guard case .notANumber = error else {
            return JSONError(.syntax, at: path, offset: start,
                             "invalid number \(found(at: start)): \(error.explanation)")
        }
        let kind: JSONError.Kind = startsOtherValue(at: start) ? .typeMismatch : .syntax
        return JSONError(kind, at: path, offset: start, "expected a number, found \(found(at: start))")
    }

    // MARK: Errors

    /// Whether a JSON value other than a number starts at `offset`: a mismatch of type, not of
    /// syntax (`nan` is neither `null` nor a number, so it is a syntax error).
    func startsOtherValue(at offset: Int) -> Bool {
        switch text[offset] {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""): return true
        case UInt8(ascii: "t"): return spells("true", at: offset)
        case UInt8(ascii: "f"): return spells("false", at: offset)
        case UInt8(ascii: "n"): return spells("null", at: offset)
        default: return false
        }
    }

    /// Whether any JSON value starts at `offset`, judged by its first bytes.
    func startsValue(at offset: Int) -> Bool {
        startsOtherValue(at: offset) || DecimalNumber.isDigit(text[offset]) || text[offset] == UInt8(ascii: "-")
    }

    /// An error at the current path.
    func error(_ kind: JSONError.Kind, at offset: Int, _ message: String) -> JSONError {
        JSONError(kind, at: path, offset: offset, message)
    }

    /// "expected X, found Y" at the current offset: a type mismatch when Y is a value, else syntax.
    private func mismatch(expected: String) -> JSONError {
        let kind: JSONError.Kind = startsValue(at: offset) ? .typeMismatch : .syntax
        return error(kind, at: offset, "expected \(expected), found \(found(at: offset))")
    }

    /// A short, printable description of the token at `offset`: `"abc"`, `NaN`, `'['`, or the end.
    func found(at offset: Int) -> String {
        guard offset < count else { return "the end of the input" }
        let limit = 24
        let byte = text[offset]
        var end = offset + 1
        if byte == UInt8(ascii: "\"") {
            while end < count, end - offset < limit {
                if text[end] == UInt8(ascii: "\"") && text[end - 1] != UInt8(ascii: "\\") { end += 1; break }
                end += 1
            }
        } else if Self.continuesToken(byte) {
            while end < count, end - offset < limit, Self.continuesToken(text[end]) { end += 1 }
        } else if byte < 0x20 || byte >= 0x7F {
            return "the byte 0x" + String(byte, radix: 16, uppercase: true)
        } else {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        var token = String(decoding: UnsafeBufferPointer(start: text + offset, count: end - offset), as: UTF8.self)
        let isCut = end - offset == limit && end < count
            && (byte == UInt8(ascii: "\"") ? text[end - 1] != UInt8(ascii: "\"") : Self.continuesToken(text[end]))
        if isCut { token += "…" }
        return token
    }
}

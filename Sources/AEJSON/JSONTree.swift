// A JSON document as a tree of values that remember where they start, read by the scanner
// (so duplicate keys, bad UTF-8 and depth are refused as everywhere else). Numbers stay as
// their text until a type asks for them, so each is converted once, to exactly that type.

/// One JSON value and the byte offset where it starts.
struct JSONNode {
    enum Value {
        case object([(key: String, node: JSONNode)])
        case array([JSONNode])
        /// An array of numbers only, kept as the byte ranges of their tokens (8 bytes each,
        /// not a node each: inline datasets are arrays of many numbers).
        case numbers([NumberToken])
        case string(String)
        case number(NumberToken)
        case boolean(Bool)
        case null
    }

    var value: Value
    var offset: Int
}

/// Where a number token lies in the document.
struct NumberToken {
    var start: Int32
    var end: Int32
}

/// A parsed document: its root and the bytes its numbers are read from.
struct JSONTree {
    let root: JSONNode
    /// The document (the scanner's padded copy), for reading number tokens.
    let scanner: JSONScanner

    /// Parses `bytes` as one JSON document.
    init(_ bytes: [UInt8], maximumDepth: Int) throws(JSONError) {
        guard bytes.count < Int(Int32.max) else {
            throw JSONError(.syntax, at: JSONPath(components: []), offset: 0, "the document is larger than 2 GiB")
        }
        var scanner = JSONScanner(bytes, maximumDepth: maximumDepth)
        root = try Self.node(&scanner)
        try scanner.finish()
        self.scanner = scanner
    }

    private static func node(_ scanner: inout JSONScanner) throws(JSONError) -> JSONNode {
        let kind = try scanner.peek()
        let offset = scanner.offset
        switch kind {
        case .object:
            try scanner.beginObject()
            var members: [(key: String, node: JSONNode)] = []
            while let key = try scanner.nextKey() {
                members.append((key, try node(&scanner)))
            }
            return JSONNode(value: .object(members), offset: offset)
        case .array:
            try scanner.beginArray()
            var elements: [JSONNode] = []
            var tokens: [NumberToken] = []
            var allNumbers = true
            while try scanner.nextElement() {
                if allNumbers, try scanner.peek() == .number {
                    tokens.append(try scanner.readNumberToken())
                    continue
                }
                if allNumbers {
                    allNumbers = false
                    elements = tokens.map { JSONNode(value: .number($0), offset: Int($0.start)) }
                    tokens = []
                }
                elements.append(try node(&scanner))
            }
            return JSONNode(value: allNumbers && !tokens.isEmpty ? .numbers(tokens) : .array(elements), offset: offset)
        case .string:
            return JSONNode(value: .string(try scanner.readString()), offset: offset)
        case .number:
            return JSONNode(value: .number(try scanner.readNumberToken()), offset: offset)
        case .boolean:
            return JSONNode(value: .boolean(try scanner.readBoolean()), offset: offset)
        case .null:
            try scanner.readNull()
            return JSONNode(value: .null, offset: offset)
        }
    }
}

extension JSONScanner {
    /// Reads a number token, checking its syntax, and returns where it lies.
    mutating func readNumberToken() throws(JSONError) -> NumberToken {
        offset = Self.skipWhitespace(text, offset)
        let start = offset
        var end = start
        _ = try scanNumber(at: start, end: &end, path: path)
        offset = end
        return NumberToken(start: Int32(start), end: Int32(end))
    }

    /// The text of a number token.
    func text(of token: NumberToken) -> String {
        String(decoding: UnsafeBufferPointer(start: text + Int(token.start), count: Int(token.end - token.start)), as: UTF8.self)
    }

    /// The token's value rounded to `Float`, or nil when it is beyond Float's range.
    func float(of token: NumberToken) -> Float? {
        var end = Int(token.start)
        guard let number = try? DecimalNumber.scan(text, from: Int(token.start), end: &end) else { return nil }
        let value = number.fastFloat() ?? DecimalNumber.slowValue(text, from: Int(token.start), to: end, as: Float.self)
        return value.flatMap { $0.isFinite ? $0 : nil }
    }

    /// The token's value rounded to `Double`, or nil when it is beyond Double's range.
    func double(of token: NumberToken) -> Double? {
        var end = Int(token.start)
        guard let number = try? DecimalNumber.scan(text, from: Int(token.start), end: &end) else { return nil }
        let value = number.fastDouble() ?? DecimalNumber.slowValue(text, from: Int(token.start), to: end, as: Double.self)
        return value.flatMap { $0.isFinite ? $0 : nil }
    }
}

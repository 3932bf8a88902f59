// Reading one JSON number token on its own, for query parameters, headers and tests.

extension Float {
    /// Reads `text`, exactly one JSON number with no surrounding space, as the nearest Float,
    /// the value `Float(String)` gives; a number beyond Float's range is an error, not infinity.
    public init(jsonNumber text: some StringProtocol) throws(JSONError) {
        self = try JSONScanner.readToken(Array(text.utf8)) { (scanner) throws(JSONError) in try scanner.readNumber() }
    }

    /// Reads UTF-8 `bytes`, exactly one JSON number, as `init(jsonNumber:)` reads text.
    public init(jsonNumber bytes: some Collection<UInt8>) throws(JSONError) {
        self = try JSONScanner.readToken(Array(bytes)) { (scanner) throws(JSONError) in try scanner.readNumber() }
    }
}

extension Double {
    /// Reads `text`, exactly one JSON number with no surrounding space, as the nearest Double,
    /// the value `Double(String)` gives; a number beyond Double's range is an error, not infinity.
    public init(jsonNumber text: some StringProtocol) throws(JSONError) {
        self = try JSONScanner.readToken(Array(text.utf8)) { (scanner) throws(JSONError) in try scanner.readDouble() }
    }

    /// Reads UTF-8 `bytes`, exactly one JSON number, as `init(jsonNumber:)` reads text.
    public init(jsonNumber bytes: some Collection<UInt8>) throws(JSONError) {
        self = try JSONScanner.readToken(Array(bytes)) { (scanner) throws(JSONError) in try scanner.readDouble() }
    }
}

extension JSONScanner {
    /// Reads `bytes` as a single token with `read`, refusing anything before or after it.
    static func readToken<Value>(
        _ bytes: [UInt8], _ read: (inout JSONScanner) throws(JSONError) -> Value
    ) throws(JSONError) -> Value {
        var scanner = JSONScanner(bytes)
        if let first = bytes.first, isWhitespace(first) || first == 0xEF {
            throw JSONError(.syntax, at: .root, offset: 0, "expected a number, found \(scanner.found(at: 0))")
        }
        let value = try read(&scanner)
        if let last = bytes.last, isWhitespace(last) {
            throw JSONError(.syntax, at: .root, offset: bytes.count - 1, "expected the end of the number, found whitespace")
        }
        try scanner.finish()
        return value
    }
}

// Strings: RFC 8259 §7 escapes, including \uXXXX surrogate pairs, and UTF-8 validation.

extension JSONScanner {
    /// Reads a string, decoding escapes; refuses control characters, bad escapes, unpaired
    /// surrogates and invalid UTF-8.
    public mutating func readString() throws(JSONError) -> String {
        let start = Self.skipWhitespace(text, offset)
        guard text[start] == UInt8(ascii: "\"") else {
            offset = start
            let kind: JSONError.Kind = startsValue(at: start)
                ? .typeMismatch : .syntax
            throw error(kind, at: start, "expected a string, found \(found(at: start))")
        }
        valueStart = start
        var i = start + 1
        var isASCII = true
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while true {
            let byte = text[i]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            isASCII = isASCII && byte < 0x80
            i += 1
        }
        if text[i] == UInt8(ascii: "\"") {
            let content = UnsafeBufferPointer(start: text + start + 1, count: i - start - 1)
            let string = isASCII ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
            guard let string else {
                throw error(.syntax, at: start, "the string \(found(at: start)) is not valid UTF-8")
            }
            offset = i + 1
            return string
        }
        var decoded = Array(UnsafeBufferPointer(start: text + start + 1, count: i - start - 1))
        while true {
            let byte = text[i]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                try decodeEscape(at: &i, into: &decoded)
                continue
            }
            if byte < 0x20 {
                guard i < count else {
                    throw error(.syntax, at: start, "the string \(found(at: start)) has no closing quote")
                }
                let code = String(byte, radix: 16, uppercase: true)
                throw error(.syntax, at: i, "control character U+\(code.count < 2 ? "000" : "00")\(code) must be escaped in a string")
            }
            decoded.append(byte)
            i += 1
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw error(.syntax, at: start, "the string \(found(at: start)) is not valid UTF-8")
        }
        offset = i + 1
        return string
    }

    /// Decodes the escape at `i` (a backslash) into UTF-8 and moves past it.
    private func decodeEscape(at i: inout Int, into decoded: inout [UInt8]) throws(JSONError) {
        let escapeStart = i
        let simple: UInt8? = switch text[i + 1] {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            decoded.append(simple)
            i += 2
            return
        }
        guard text[i + 1] == UInt8(ascii: "u") else {
            throw error(.syntax, at: escapeStart, "invalid escape \(escapeText(at: escapeStart, length: 2)) in a string")
        }
        var scalar = try hexQuad(at: i + 2, escapeStart: escapeStart)
        i += 6
        if (0xDC00...0xDFFF).contains(scalar) {
            throw error(.syntax, at: escapeStart, "unpaired low surrogate \(escapeText(at: escapeStart, length: 6)) in a string")
        }
        if (0xD800...0xDBFF).contains(scalar) {
            // UTF-16 surrogate pair: a high surrogate must be followed by an escaped low one.
            guard text[i] == UInt8(ascii: "\\"), text[i + 1] == UInt8(ascii: "u"),
                  case let low = try hexQuad(at: i + 2, escapeStart: i), (0xDC00...0xDFFF).contains(low) else {
                throw error(.syntax, at: escapeStart,
                            "unpaired high surrogate \(escapeText(at: escapeStart, length: 6)) in a string")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            i += 6
        }
        // Surrogates were handled above, so every value left is a Unicode scalar.
        guard let unicode = Unicode.Scalar(scalar) else {
            throw error(.syntax, at: escapeStart, "invalid escape \(escapeText(at: escapeStart, length: 6))")
        }
        UTF8.encode(unicode) { decoded.append($0) }
    }

    /// The value of the four hex digits at `i`, which follow `\u`.
    private func hexQuad(at i: Int, escapeStart: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for j in i ..< i + 4 {
            let byte = text[j]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw error(.syntax, at: escapeStart, "\\u must be followed by four hex digits, found \(escapeText(at: escapeStart, length: j - escapeStart + 1))")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The escape's text for messages, cut at the end of the input.
    private func escapeText(at start: Int, length: Int) -> String {
        let end = min(start + length, count)
        return String(decoding: UnsafeBufferPointer(start: text + start, count: end - start), as: UTF8.self)
    }
}

// Strings: escapes, surrogate pairs, UTF-8, and every way a string can be malformed.
import Testing
import AEJSON

@Suite struct JSONScannerStringsTests {
    @Test("escapes and surrogate pairs decode to the right scalars")
    func escapes() throws {
        var scanner = makeScanner(#""\"\\\/\b\f\n\r\t \u0041\u00e9\u20AC \ud83d\ude00 plain é😀""#)
        #expect(try scanner.readString() == "\"\\/\u{8}\u{C}\n\r\t Aé€ 😀 plain é😀")
        var empty = makeScanner(#""""#)
        #expect(try empty.readString() == "")
        var nul = makeScanner(#""a\u0000b""#)
        #expect(try nul.readString() == "a\u{0}b")
    }

    @Test("keys with escapes are decoded before they are compared")
    func escapedKeys() throws {
        var scanner = makeScanner(#"{"\u006eame": 1, "name": 2}"#)
        let error = try #require(throws: JSONError.self) { try scanner.skipValue() }
        #expect(error.kind == .duplicateKey)
    }

    /// Malformed strings, each with the exact error expected.
    static let malformed: [(name: String, bytes: [UInt8], description: String)] = [
        ("unterminated", Array(#"["abc"#.utf8), "[0]: the string \"abc has no closing quote at byte 1"),
        ("unterminated after an escape", Array(#"["a\n"#.utf8), "[0]: the string \"a\\n has no closing quote at byte 1"),
        ("raw newline", Array("[\"a\nb\"]".utf8), "[0]: control character U+000A must be escaped in a string at byte 3"),
        ("raw tab", Array("[\"a\tb\"]".utf8), "[0]: control character U+0009 must be escaped in a string at byte 3"),
        ("unknown escape", Array(#"["\x41"]"#.utf8), "[0]: invalid escape \\x in a string at byte 2"),
        ("short \\u", Array(#"["\u12"]"#.utf8), "[0]: \\u must be followed by four hex digits, found \\u12\" at byte 2"),
        ("\\u at the end", Array(#"["\u"#.utf8), "[0]: \\u must be followed by four hex digits, found \\u at byte 2"),
        ("lone high surrogate", Array(#"["\ud83d"]"#.utf8), "[0]: unpaired high surrogate \\ud83d in a string at byte 2"),
        ("high surrogate then a letter", Array(#"["\ud83dx"]"#.utf8), "[0]: unpaired high surrogate \\ud83d in a string at byte 2"),
        ("two high surrogates", Array(#"["\ud83d\ud83d"]"#.utf8), "[0]: unpaired high surrogate \\ud83d in a string at byte 2"),
        ("lone low surrogate", Array(#"["\ude00"]"#.utf8), "[0]: unpaired low surrogate \\ude00 in a string at byte 2"),
        ("invalid UTF-8 byte", [0x5B, 0x22, 0x61, 0xFF, 0x22, 0x5D], "[0]: the string \"a\u{FFFD}\" is not valid UTF-8 at byte 1"),
        ("overlong UTF-8", [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], "[0]: the string \"\u{FFFD}\u{FFFD}\" is not valid UTF-8 at byte 1"),
        ("encoded surrogate", [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], "[0]: the string \"\u{FFFD}\u{FFFD}\u{FFFD}\" is not valid UTF-8 at byte 1"),
        ("invalid UTF-8 after an escape", [0x5B, 0x22, 0x5C, 0x6E, 0xFF, 0x22, 0x5D], "[0]: the string \"\\n\u{FFFD}\" is not valid UTF-8 at byte 1"),
    ]

    @Test("malformed strings are refused with the exact reason and offset", arguments: malformed.indices)
    func malformedString(index: Int) {
        let (name, bytes, description) = Self.malformed[index]
        // skipValue checks strings as strictly as readString.
        let error = expectJSONError(.syntax, description) {
            var scanner = JSONScanner(bytes)
            try scanner.skipValue()
        }
        #expect(error != nil, "\(name)")
    }

    @Test("readString on another kind of value is a type mismatch")
    func notAString() {
        expectJSONError(.typeMismatch, "(root): expected a string, found 12 at byte 0") {
            var scanner = makeScanner("12")
            _ = try scanner.readString()
        }
    }
}

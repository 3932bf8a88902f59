// Character classes of RFC 9110 §5.6.2 (tchar) and RFC 9112 field values, as lookup tables.

enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static let token: [Bool] = (0 ..< 256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
             UInt8(ascii: "A") ... UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(UInt8(b))
        }
    }

    @inline(__always) static func isToken(_ b: UInt8) -> Bool { token[Int(b)] }

    /// field-vchar / SP / HTAB: VCHAR, obs-text, space and tab (no other control bytes).
    @inline(__always) static func isFieldValue(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == tab
    }

    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? b | 0x20 : b
    }

    /// Whether `bytes` equals the lowercase ASCII `name`, ignoring case.
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        for i in 0 ..< bytes.count where lower(bytes[i]) != n[i] { return false }
        return true
    }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always) static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

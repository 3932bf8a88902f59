// Floats as JSON text: the shortest digits that read back to the same Float, in plain notation
// for 1e-4 ≤ |x| < 1e9 and in exponent notation outside it, always with a '.' or 'e' so
// clients read a float, never NaN or Infinity.

/// Writes Floats as JSON numbers into raw memory; the public `appendJSON` functions build on it.
enum FloatWriter {
    /// The most bytes one Float takes: `-1.23456789e-38` is 15.
    static let maximumLength = 16

    /// Two ASCII digits for each value 0…99; a StaticString needs no lazy initialisation.
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Writes finite `value` at `out` (which has room for `maximumLength` bytes) and returns the
    /// number of bytes written.
    @inline(__always)
    static func write(_ value: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if value.sign == .minus {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        if value == 0 {
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            p[2] = UInt8(ascii: "0")
            return p + 3 - out
        }
        let decimal = ShortestDecimal(value)
        let digits = digitCount(decimal.significand)
        // The power of ten of the first digit: value = d.ddd × 10^scientific.
        let scientific = decimal.exponent + digits - 1
        if scientific >= 0 && scientific < 9 {
            if decimal.exponent >= 0 {
                // An integer: digits, zeros, ".0".
                writeDigits(decimal.significand, count: digits, to: p)
                p += digits
                for _ in 0 ..< decimal.exponent {
                    p.pointee = UInt8(ascii: "0")
                    p += 1
                }
                p[0] = UInt8(ascii: ".")
                p[1] = UInt8(ascii: "0")
                return p + 2 - out
            }
            // The point falls inside the digits: write them one place right, then move the
            // integer part back over the gap.
            writeDigits(decimal.significand, count: digits, to: p + 1)
            for i in 0 ... scientific { p[i] = p[i + 1] }
            p[scientific + 1] = UInt8(ascii: ".")
            return p + digits + 1 - out
        }
        if scientific < 0 && scientific >= -4 {
            // 0.000ddd
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            p += 2
            for _ in 0 ..< -scientific - 1 {
                p.pointee = UInt8(ascii: "0")
                p += 1
            }
            writeDigits(decimal.significand, count: digits, to: p)
            return p + digits - out
        }
        // d.ddde±x: the first digit, a point only when more digits follow, the exponent.
        writeDigits(decimal.significand, count: digits, to: p + 1)
        p[0] = p[1]
        if digits > 1 {
            p[1] = UInt8(ascii: ".")
            p += digits + 1
        } else {
            p += 1
        }
        p[0] = UInt8(ascii: "e")
        p += 1
        var magnitude = scientific
        if magnitude < 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
            magnitude = -magnitude
        }
        let exponentDigits = magnitude < 10 ? 1 : 2
        writeDigits(UInt32(magnitude), count: exponentDigits, to: p)
        return p + exponentDigits - out
    }

    @inline(__always)
    private static func digitCount(_ value: UInt32) -> Int {
        if value < 10_000 {
            return value < 100 ? (value < 10 ? 1 : 2) : (value < 1000 ? 3 : 4)
        }
        if value < 1_000_000 { return value < 100_000 ? 5 : 6 }
        return value < 10_000_000 ? 7 : (value < 100_000_000 ? 8 : 9)
    }

    /// Writes the `count` decimal digits of `value` at `out`, two at a time from the right.
    @inline(__always)
    private static func writeDigits(_ value: UInt32, count: Int, to out: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs.utf8Start
        var value = value
        var i = count
        while i >= 2 {
            let pair = Int(value % 100) * 2
            value /= 100
            out[i - 2] = pairs[pair]
            out[i - 1] = pairs[pair + 1]
            i -= 2
        }
        if i == 1 { out[0] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value) }
    }
}

// A JSON number token read straight from UTF-8 (RFC 8259 §6) and its correctly rounded Float or
// Double. The fast path does the arithmetic in Double and proves the rounding safe; rare hard cases
// fall back to the standard library's parser, which is correctly rounded but ~10× slower.

/// The value of a number token as `significand × 10^exponent`, before rounding to binary.
struct DecimalNumber {
    /// Why a token is not a JSON number.
    enum SyntaxError: Error {
        /// The first byte cannot start a number (`abc`, `+1`, `.5`, `NaN`).
        case notANumber
        /// A `-` with no digit after it.
        case missingIntegerDigits
        /// A `0` followed by another digit (`01`).
        case leadingZero
        /// A `.` with no digit after it (`1.`).
        case missingFractionDigits
        /// An `e` with no digit after it or its sign (`1e`, `1e+`).
        case missingExponentDigits

        /// What the grammar wanted, for error messages.
        var explanation: String {
            switch self {
            case .notANumber: "a number starts with '-' or a digit"
            case .missingIntegerDigits: "a '-' must be followed by a digit"
            case .leadingZero: "a number cannot have a leading zero"
            case .missingFractionDigits: "a '.' must be followed by a digit"
            case .missingExponentDigits: "an exponent needs at least one digit"
            }
        }
    }

    /// Whether the text starts with `-`.
    var isNegative: Bool
    /// The first 19 significant digits (leading zeros skipped), which always fit in 64 bits.
    var significand: UInt64
    /// The power of ten that scales `significand` to the token's value (ignoring dropped digits).
    var exponent: Int
    /// Whether nonzero digits after the 19th were dropped, making `significand` a truncation.
    var isTruncated: Bool
    /// Whether the token had neither a fraction nor an exponent part.
    var isInteger: Bool

    /// The most significant digits kept: 10^19 − 1 < 2^64.
    private static let keptDigits = 19

    /// Reads the token at `start`; `text` must end with eight zero bytes (the scanner's padding),
    /// so no loop needs a bounds check and eight bytes can be loaded anywhere.
    @inline(__always)
    static func scan(
        _ text: UnsafePointer<UInt8>, from start: Int, end: inout Int
    ) throws(SyntaxError) -> DecimalNumber {
        var i = start
        let isNegative = text[i] == UInt8(ascii: "-")
        if isNegative { i += 1 }
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0
        var isTruncated = false

        // Integer part: `0` alone, or a nonzero digit and any digits.
        let first = text[i]
        if first == UInt8(ascii: "0") {
            i += 1
            if isDigit(text[i]) {
                end = i
                throw .leadingZero
            }
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            repeat {
                let digit = UInt64(text[i] &- UInt8(ascii: "0"))
                if digits < keptDigits {
                    significand = significand &* 10 &+ digit
                    digits += 1
                } else {
                    exponent += 1
                    isTruncated = isTruncated || digit != 0
                }
                i += 1
            } while isDigit(text[i])
        } else {
            end = i
            throw isNegative ? .missingIntegerDigits : .notANumber
        }

        // Fraction: `0.000123` keeps three significant digits.
        var isInteger = true
        if text[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard isDigit(text[i]) else {
                end = i
                throw .missingFractionDigits
            }
            if significand == 0 {
                // Zeros before the first significant digit only move the exponent.
                while text[i] == UInt8(ascii: "0") {
                    exponent -= 1
                    i += 1
                }
            }
            // Eight digits at a time while they fit: pixel values have 7–9 fraction digits, and
            // one multiply-shift chain beats eight unpredictable loop exits.
            while digits <= keptDigits - 8, let eight = eightDigits(text + i) {
                significand = significand &* 100_000_000 &+ eight
                digits += 8
                exponent -= 8
                i += 8
            }
            while isDigit(text[i]) {
                let digit = UInt64(text[i] &- UInt8(ascii: "0"))
                if digits < keptDigits {
                    significand = significand &* 10 &+ digit
                    digits += 1
                    exponent -= 1
                } else {
                    isTruncated = isTruncated || digit != 0
                }
                i += 1
            }
        }

        // Exponent, clamped far beyond any finite Double so a long run of digits cannot overflow.
        if text[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            let isNegativeExponent = text[i] == UInt8(ascii: "-")
            if isNegativeExponent || text[i] == UInt8(ascii: "+") { i += 1 }
            guard isDigit(text[i]) else {
                end = i
                throw .missingExponentDigits
            }
            var value = 0
            repeat {
                if value < 100_000_000 { value = value * 10 + Int(text[i] &- UInt8(ascii: "0")) }
                i += 1
            } while isDigit(text[i])
            exponent += isNegativeExponent ? -value : value
        }
        end = i
        return DecimalNumber(isNegative: isNegative, significand: significand, exponent: exponent,
                             isTruncated: isTruncated, isInteger: isInteger)
    }

    /// The value of the eight ASCII digits at `bytes`, or nil if any is not a digit; the
    /// scanner's zero padding makes the load safe up to the end (Lemire's SWAR conversion).
    @inline(__always)
    private static func eightDigits(_ bytes: UnsafePointer<UInt8>) -> UInt64? {
        let word = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self))
        // Every byte is 0x30…0x39: its high nibble is 3, and adding 6 does not carry into it.
        guard (word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
            == 0x3333_3333_3333_3333 else { return nil }
        var value = word & 0x0F0F_0F0F_0F0F_0F0F
        value = (value &* 2561) >> 8 & 0x00FF_00FF_00FF_00FF
        value = (value &* 6_553_601) >> 16 & 0x0000_FFFF_0000_FFFF
        return (value &* 42_949_672_960_001) >> 32
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// 10^0 … 10^22, all exact in Double (10^23 is not).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The nearest Float (ties to even), or nil when the fast path cannot prove its rounding.
    ///
    /// `x = significand × 10^exponent` is computed in Double with at most three roundings and the
    /// truncation of digits after the 19th: a relative error below 3.1 · 2^-53, under 4 units in
    /// the last place of the Double `d`. Rounding `d` to Float gives the same result as rounding
    /// `x` unless a Float halfway point lies within that error of `d`; Float's 24-bit significand
    /// leaves 29 bits of `d` below it, and the halfway point is the pattern 1000…0 there, so the
    /// result is proven when those bits are more than 16 units away from it. Float subnormals
    /// round at another bit and are left to the slow path.
    @inline(__always)
    func fastFloat() -> Float? {
        if significand == 0 { return isNegative ? -0.0 : 0.0 }
        var value = Double(significand)
        let powers = Self.powersOfTen
        switch exponent {
        case 0: break
        case 1...22: value *= powers[exponent]
        case -22 ..< 0: value /= powers[-exponent]
        case 23...44: value = value * 1e22 * powers[exponent - 22]
        case -44 ..< -22: value = value / 1e22 / powers[-exponent - 22]
        default: return nil
        }
        let bits = value.bitPattern
        // Biased Double exponent 897 is 2^-126, Float's smallest normal.
        guard bits >> 52 >= 897 else { return nil }
        let low = bits & 0x1FFF_FFFF
        guard low &- (0x1000_0000 - 16) > 32 else { return nil }
        let float = Float(value)
        return isNegative ? -float : float
    }

    /// The nearest Double when it is exact by Clinger's argument (both factors exact, one
    /// rounding), else nil.
    @inline(__always)
    func fastDouble() -> Double? {
        if significand == 0 { return isNegative ? -0.0 : 0.0 }
        guard !isTruncated, significand <= 1 << 53, (-22...22).contains(exponent) else { return nil }
        var value = Double(significand)
        if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
        return isNegative ? -value : value
    }

    /// The value of the token text through the standard library, for cases the fast paths refuse.
    static func slowValue<Number: LosslessStringConvertible>(
        _ text: UnsafePointer<UInt8>, from start: Int, to end: Int, as type: Number.Type
    ) -> Number? {
        // Swift's parser takes more than JSON allows, but the token was already checked.
        Number(String(decoding: UnsafeBufferPointer(start: text + start, count: end - start), as: UTF8.self))
    }
}

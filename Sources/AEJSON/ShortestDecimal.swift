// The shortest decimal that reads back to a given Float, by Schubfach: Raffaello Giulietti,
// "The Schubfach way to render doubles" (2020), here for binary32 with 64-bit powers of ten.

/// The fewest significant digits, closest to the exact value, that round to one Float:
/// `value = significand × 10^exponent`.
struct ShortestDecimal {
    /// The digits, without trailing zeros (at most 9 of them).
    var significand: UInt32
    /// The power of ten of the last digit.
    var exponent: Int

    /// `g(k) = ⌈10^k / 2^r⌉` with `r = ⌊log2 10^k⌋ − 63`, so 2^63 ≤ g < 2^64, for k in −31…45:
    /// the range the exponents of Float need. Generated exactly with Python's `fractions`.
    private static let powersOfTen: [UInt64] = [
        0x81CEB32C4B43FCF5, 0xA2425FF75E14FC32, 0xCAD2F7F5359A3B3F, 0xFD87B5F28300CA0E,
        0x9E74D1B791E07E49, 0xC612062576589DDB, 0xF79687AED3EEC552, 0x9ABE14CD44753B53,
        0xC16D9A0095928A28, 0xF1C90080BAF72CB2, 0x971DA05074DA7BEF, 0xBCE5086492111AEB,
        0xEC1E4A7DB69561A6, 0x9392EE8E921D5D08, 0xB877AA3236A4B44A, 0xE69594BEC44DE15C,
        0x901D7CF73AB0ACDA, 0xB424DC35095CD810, 0xE12E13424BB40E14, 0x8CBCCC096F5088CC,
        0xAFEBFF0BCB24AAFF, 0xDBE6FECEBDEDD5BF, 0x89705F4136B4A598, 0xABCC77118461CEFD,
        0xD6BF94D5E57A42BD, 0x8637BD05AF6C69B6, 0xA7C5AC471B478424, 0xD1B71758E219652C,
        0x83126E978D4FDF3C, 0xA3D70A3D70A3D70B, 0xCCCCCCCCCCCCCCCD, 0x8000000000000000,
        0xA000000000000000, 0xC800000000000000, 0xFA00000000000000, 0x9C40000000000000,
        0xC350000000000000, 0xF424000000000000, 0x9896800000000000, 0xBEBC200000000000,
        0xEE6B280000000000, 0x9502F90000000000, 0xBA43B74000000000, 0xE8D4A51000000000,
        0x9184E72A00000000, 0xB5E620F480000000, 0xE35FA931A0000000, 0x8E1BC9BF04000000,
        0xB1A2BC2EC5000000, 0xDE0B6B3A76400000, 0x8AC7230489E80000, 0xAD78EBC5AC620000,
        0xD8D726B7177A8000, 0x878678326EAC9000, 0xA968163F0A57B400, 0xD3C21BCECCEDA100,
        0x84595161401484A0, 0xA56FA5B99019A5C8, 0xCECB8F27F4200F3A, 0x813F3978F8940985,
        0xA18F07D736B90BE6, 0xC9F2C9CD04674EDF, 0xFC6F7C4045812297, 0x9DC5ADA82B70B59E,
        0xC5371912364CE306, 0xF684DF56C3E01BC7, 0x9A130B963A6C115D, 0xC097CE7BC90715B4,
        0xF0BDC21ABB48DB21, 0x96769950B50D88F5, 0xBC143FA4E250EB32, 0xEB194F8E1AE525FE,
        0x92EFD1B8D0CF37BF, 0xB7ABC627050305AE, 0xE596B7B0C643C71A, 0x8F7E32CE7BEA5C70,
        0xB35DBF821AE4F38C,
    ]

    /// The decimal for a finite, nonzero `value` (its sign is ignored).
    init(_ value: Float) {
        let bits = value.bitPattern
        let fraction = bits & 0x7F_FFFF
        let biasedExponent = Int(bits >> 23 & 0xFF)
        let c: UInt32
        let q: Int
        if biasedExponent != 0 {
            c = fraction | 0x80_0000
            q = biasedExponent - 150
            // Integers below 2^24 are their own shortest digits.
            if q <= 0 && q > -24 && c & (UInt32(1) << -q - 1) == 0 {
                self.init(stripping: c >> -q, exponent: 0)
                return
            }
        } else {
            c = fraction
            q = -149
        }
        // The rounding interval: halfway to each neighbour, closed when c is even (ties to even
        // read back to it). Below a power of two the lower neighbour is twice as close.
        let isEven = c & 1 == 0
        let isLowerCloser = fraction == 0 && biasedExponent > 1
        let lowerBound = 4 * c - 2 + (isLowerCloser ? 1 : 0)
        let center = 4 * c
        let upperBound = 4 * c + 2
        // k = ⌊log10(2^q)⌋, or ⌊log10(¾·2^q)⌋ for the asymmetric interval; h = 1…4.
        let k = (q * 1_262_611 - (isLowerCloser ? 524_031 : 0)) >> 22
        let h = q + ((-k * 1_741_647) >> 19) + 1
        let g = Self.powersOfTen[-k + 31]
        let vbl = Self.roundToOdd(g, lowerBound << h)
        let vb = Self.roundToOdd(g, center << h)
        let vbr = Self.roundToOdd(g, upperBound << h)
        let lower = vbl + (isEven ? 0 : 1)
        let upper = vbr - (isEven ? 0 : 1)

        // A candidate one digit shorter, then the two candidates of this length (the paper's
        // figures 4 and 6); at most one of each pair lies in the interval.
        let s = vb / 4
        if s >= 10 {
            let shorter = s / 10
            let isLowInside = lower <= 40 * shorter
            let isHighInside = 40 * shorter + 40 <= upper
            if isLowInside != isHighInside {
                self.init(stripping: shorter + (isHighInside ? 1 : 0), exponent: k + 1)
                return
            }
        }
        let isLowInside = lower <= 4 * s
        let isHighInside = 4 * s + 4 <= upper
        if isLowInside != isHighInside {
            self.init(stripping: s + (isHighInside ? 1 : 0), exponent: k)
            return
        }
        // Both inside: the closer one, ties to even.
        let middle = 4 * s + 2
        let roundsUp = vb > middle || (vb == middle && s & 1 != 0)
        self.init(stripping: s + (roundsUp ? 1 : 0), exponent: k)
    }

    private init(stripping significand: UInt32, exponent: Int) {
        var significand = significand
        var exponent = exponent
        while significand % 10 == 0 {
            significand /= 10
            exponent += 1
        }
        self.significand = significand
        self.exponent = exponent
    }

    /// `⌊g·cp / 2^64⌋` with its lowest bit set when the discarded part is not zero, which keeps
    /// comparisons against the interval's ends exact (the paper's round to odd).
    @inline(__always)
    private static func roundToOdd(_ g: UInt64, _ cp: UInt32) -> UInt32 {
        let product = g.multipliedFullWidth(by: UInt64(cp))
        let high = UInt32(truncatingIfNeeded: product.high)
        let low = UInt32(truncatingIfNeeded: product.low >> 32)
        return high | (low > 1 ? 1 : 0)
    }
}

// Inputs for the number tests: a seeded generator, random finite Floats, and exact decimal
// expansions of binary values (the halfway points between Floats, where rounding is hardest).
import Testing
import AEJSON

/// SplitMix64: small, seedable, and the same sequence on every run so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// How many random cases each randomized test runs: ≥ 1,000,000 in total across a test's
/// generators in release, fewer (but ≥ 200,000) in a debug build to keep the suite near 10 s.
enum RandomCases {
    #if DEBUG
    static let scale = 1
    #else
    static let scale = 4
    #endif
}

extension Float {
    /// A Float with uniformly random bits, redrawn until finite.
    static func randomFinite(using generator: inout SeededGenerator) -> Float {
        while true {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            if value.isFinite { return value }
        }
    }
}

/// The exact decimal digits of `significand × 2^binaryExponent`, as `(digits, e)` with the
/// value `digits × 10^e`; schoolbook arithmetic on base-10^9 limbs.
func exactDecimal(significand: UInt64, binaryExponent: Int) -> (digits: String, exponent: Int) {
    // Little-endian limbs of 10^9.
    var limbs: [UInt64] = []
    var rest = significand
    repeat {
        limbs.append(rest % 1_000_000_000)
        rest /= 1_000_000_000
    } while rest > 0
    func multiply(by factor: UInt64) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let product = limbs[i] * factor + carry
            limbs[i] = product % 1_000_000_000
            carry = product / 1_000_000_000
        }
        while carry > 0 {
            limbs.append(carry % 1_000_000_000)
            carry /= 1_000_000_000
        }
    }
    // m · 2^-n = m · 5^n · 10^-n, so only multiplications are needed.
    let factor: UInt64 = binaryExponent >= 0 ? 2 : 5
    for _ in 0 ..< abs(binaryExponent) { multiply(by: factor) }
    var digits = String(limbs[limbs.count - 1])
    for limb in limbs.dropLast().reversed() {
        let part = String(limb)
        digits += String(repeating: "0", count: 9 - part.count) + part
    }
    return (digits, binaryExponent >= 0 ? 0 : binaryExponent)
}

/// `digits × 10^exponent` as a JSON number in scientific form: `d.ddde-x`.
func scientificText(digits: String, exponent: Int, negative: Bool = false) -> String {
    let first = digits.prefix(1)
    let rest = digits.dropFirst()
    let power = exponent + digits.count - 1
    return (negative ? "-" : "") + first + (rest.isEmpty ? "" : "." + rest) + "e\(power)"
}

/// Whether `value` read back from `text` is the same Float, bit for bit, as Swift's parser
/// gives, or a range error exactly where Swift's parser gives infinity.
func expectSameAsStandardLibrary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let expected = Float(text) else {
        Issue.record("the standard library refused \(text)", sourceLocation: sourceLocation)
        return
    }
    do {
        let value = try Float(jsonNumber: text)
        if value.bitPattern != expected.bitPattern {
            Issue.record("\(text): read \(value) (0x\(String(value.bitPattern, radix: 16))), Float(String) gives \(expected) (0x\(String(expected.bitPattern, radix: 16)))",
                         sourceLocation: sourceLocation)
        }
    } catch {
        if !(error.kind == .outOfRange && expected.isInfinite) {
            Issue.record("\(text): \(error), Float(String) gives \(expected)", sourceLocation: sourceLocation)
        }
    }
}

// Float(jsonNumber:) against Float(String): named edge cases, refusals, and over a million
// random inputs from every kind of text a client may send.
import Foundation
import Testing
import AEJSON

@Suite struct FloatParsingTests {
    /// Texts JSON accepts, each with why it is interesting; every one must equal Float(String).
    static let accepted: [(name: String, text: String)] = [
        ("zero", "0"), ("negative zero", "-0"), ("negative zero with fraction", "-0.0"),
        ("zero with exponent", "0e10"), ("negative zero with huge exponent", "-0.000e999999999999"),
        ("one", "1"), ("one with fraction", "1.0"), ("capital exponent", "1E2"), ("plus exponent", "1e+2"),
        ("leading zeros in exponent", "1e-05"), ("tenth", "0.1"), ("third", "0.3333333333333333"),
        ("pixel value", "0.45882353"), ("pi", "3.14159265358979323846264338327950288"),
        ("2^24", "16777216"), ("2^24 + 1, halfway, ties to even down", "16777217"),
        ("2^24 + 3, halfway, ties to even up", "16777219"),
        ("just above the 2^24 + 1 halfway", "16777217.000000000000000001"),
        ("just below the 2^24 + 1 halfway", "16777216.999999999999999999"),
        ("largest Float", "3.4028235e38"), ("largest Float, exact", "340282346638528859811704183484516925440"),
        ("just below the overflow threshold", "3.4028235677973366e38"),
        ("smallest normal", "1.17549435e-38"), ("smallest normal, exact digits",
         "0.000000000000000000000000000000000000011754943508222875079687365372222456778186655567720875215087517062784172594547271728515625"),
        ("largest subnormal", "1.1754942e-38"), ("smallest subnormal", "1e-45"), ("smallest subnormal, exact", "1.40129846e-45"),
        ("halfway to the smallest subnormal rounds to zero", "7.006492321624085354618647916449580656401309709382578858785341419448955413429303e-46"),
        ("just above halfway to the smallest subnormal", "7.0064923216240853546186479164495806564013097093825788587853414194489554134293031e-46"),
        ("below half the smallest subnormal", "7e-46"), ("deep underflow", "1e-400"),
        ("negative deep underflow keeps the sign", "-1e-400"),
        ("many digits", "1.00000005960464477539062500000000000000000000000000000001"),
        ("exactly halfway between 1 and its successor", "1.000000059604644775390625"),
        ("twenty digits", "12345678901234567890"), ("twenty-five digits", "0.1234567890123456789012345"),
        ("integer 19 nines", "9999999999999999999"), ("powers of ten", "1e38"), ("tiny power of ten", "1e-38"),
        ("1e-44, fast path limit", "1e-44"), ("1e23", "1e23"), ("1e-23", "1e-23"), ("exponent with many digits", "1e0000000000000000000000001"),
        ("long fraction of zeros then a digit", "0." + String(repeating: "0", count: 40) + "1e40"),
        ("eight fraction digits, read in one step", "0.12345678"), ("seven fraction digits", "0.1234567"),
        ("sixteen fraction digits, two steps", "0.1234567890123456"),
        ("eight digits, then past the nineteenth", "3.14159265358979323846"),
        ("zeros, then eight digits", "0.0000000012345678"), ("eight digits then a non-digit", "0.12345678e-3"),
    ]

    @Test("edge cases JSON accepts read as the same Float as Float(String)", arguments: accepted.indices)
    func acceptedEdgeCase(index: Int) {
        let (name, text) = Self.accepted[index]
        let expected = Float(text)
        #expect(expected != nil, "\(name)")
        #expect(throws: Never.self, "\(name)") { try Float(jsonNumber: text) }
        expectSameAsStandardLibrary(text)
    }

    /// Texts JSON refuses, with why; Float(String) accepts several of them, JSON does not.
    static let refused: [(name: String, text: String, kind: JSONError.Kind)] = [
        ("empty", "", .syntax), ("minus alone", "-", .syntax), ("plus sign", "+1", .syntax),
        ("leading zero", "01", .syntax), ("negative leading zero", "-01", .syntax),
        ("point without fraction digits", "1.", .syntax), ("point without integer digits", ".5", .syntax),
        ("negative point", "-.5", .syntax), ("exponent without digits", "1e", .syntax),
        ("exponent sign without digits", "1e+", .syntax), ("two points", "1.2.3", .syntax),
        ("NaN", "NaN", .syntax), ("nan", "nan", .syntax), ("Infinity", "Infinity", .syntax),
        ("-Infinity", "-Infinity", .syntax), ("inf", "inf", .syntax), ("hex", "0x1p3", .syntax),
        ("trailing letters", "1.5f", .syntax), ("leading space", " 1", .syntax), ("trailing space", "1 ", .syntax),
        ("comma decimal", "1,5", .syntax), ("two numbers", "1 2", .syntax), ("string", "\"1\"", .typeMismatch),
        ("overflow", "1e39", .outOfRange), ("overflow just above the threshold", "3.40282357e38", .outOfRange),
        ("negative overflow", "-1e39", .outOfRange), ("huge exponent", "1e999999999999999999999", .outOfRange),
    ]

    @Test("texts JSON refuses are errors of the right kind", arguments: refused.indices)
    func refusedEdgeCase(index: Int) {
        let (name, text, kind) = Self.refused[index]
        do {
            let value = try Float(jsonNumber: text)
            Issue.record("\(name): \(text) read as \(value)")
        } catch {
            #expect(error.kind == kind, "\(name): \(error)")
            #expect(error.description.contains("at byte"), "\(name): \(error)")
        }
    }

    @Test("refusals explain themselves")
    func refusalMessages() {
        #expect(throws: JSONError(.syntax, at: .root, offset: 0, "invalid number 01: a number cannot have a leading zero")) {
            try Float(jsonNumber: "01")
        }
        #expect(throws: JSONError(.syntax, at: .root, offset: 0, "invalid number 1.: a '.' must be followed by a digit")) {
            try Float(jsonNumber: "1.")
        }
        #expect(throws: JSONError(.outOfRange, at: .root, offset: 0, "1e39 is beyond Float's range (±3.4028235e38)")) {
            try Float(jsonNumber: "1e39")
        }
    }

    @Test("random Floats printed by description, %.9g and %.17g read back as Float(String) reads them")
    func printedFloats() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0 ..< 300_000 * RandomCases.scale {
            let value = Float.randomFinite(using: &generator)
            expectSameAsStandardLibrary(value.description)
        }
        // Foundation's formatter is slow, so fewer of these.
        for _ in 0 ..< 50_000 * RandomCases.scale {
            let value = Double(Float.randomFinite(using: &generator))
            expectSameAsStandardLibrary(String(format: "%.9g", value))
            expectSameAsStandardLibrary(String(format: "%.17g", value))
        }
    }

    @Test("random decimals of 1 to 25 digits across the whole exponent range read as Float(String) reads them")
    func randomDecimals() {
        var generator = SeededGenerator(seed: 2)
        let digitBytes = Array("0123456789".utf8)
        for _ in 0 ..< 300_000 * RandomCases.scale {
            let count = Int.random(in: 1...25, using: &generator)
            var digits = [digitBytes[Int.random(in: 1...9, using: &generator)]]
            for _ in 1 ..< count { digits.append(digitBytes[Int.random(in: 0...9, using: &generator)]) }
            let integerCount = Int.random(in: 0...count, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            if integerCount == 0 {
                text += "0." + String(decoding: digits, as: UTF8.self)
            } else {
                text += String(decoding: digits[..<integerCount], as: UTF8.self)
                if integerCount < count { text += "." + String(decoding: digits[integerCount...], as: UTF8.self) }
            }
            // Exponents reach past both ends: overflow above 1e38, underflow below 1e-45.
            let exponent = Int.random(in: -70...50, using: &generator) - (integerCount - 1)
            if exponent != 0 || Bool.random(using: &generator) { text += "e\(exponent)" }
            expectSameAsStandardLibrary(text)
        }
    }

    @Test("decimals at, just below and just above the halfway points between Floats round as Float(String) rounds them")
    func halfwayPoints() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0 ..< 40_000 * RandomCases.scale {
            let value = Float.randomFinite(using: &generator).magnitude
            guard value < .greatestFiniteMagnitude else { continue }
            // value = m · 2^e; the halfway point to the next Float is (2m + 1) · 2^(e - 1).
            let m = UInt64(value.significandBitPattern) | (value.exponentBitPattern == 0 ? 0 : 1 << 23)
            let e = value.exponentBitPattern == 0 ? -149 : Int(value.exponentBitPattern) - 150
            let (digits, exponent) = exactDecimal(significand: 2 * m + 1, binaryExponent: e - 1)
            let negative = Bool.random(using: &generator)
            expectSameAsStandardLibrary(scientificText(digits: digits, exponent: exponent, negative: negative))
            expectSameAsStandardLibrary(scientificText(digits: digits + "0001", exponent: exponent - 4, negative: negative))
            // The halfway point's last digit is 5 (or it is an integer); one less, then nines, is just below.
            var below = Array(digits.utf8)
            if let last = below.last, last > UInt8(ascii: "0") {
                below[below.count - 1] = last - 1
                let text = String(decoding: below, as: UTF8.self) + "9999"
                expectSameAsStandardLibrary(scientificText(digits: text, exponent: exponent - 4, negative: negative))
            }
            // Truncations: the halfway point cut to 9, 17 and 20 digits sits just below it.
            for length in [9, 17, 20] where digits.count > length {
                expectSameAsStandardLibrary(scientificText(digits: String(digits.prefix(length)),
                                                           exponent: exponent + digits.count - length, negative: negative))
            }
        }
    }

    @Test("Double(jsonNumber:) reads random Doubles and decimals as Double(String) reads them")
    func doubles() throws {
        var generator = SeededGenerator(seed: 4)
        for index in 0 ..< 100_000 * RandomCases.scale {
            let text: String
            if index.isMultiple(of: 2) {
                var value = Double(bitPattern: generator.next())
                while !value.isFinite { value = Double(bitPattern: generator.next()) }
                text = value.description
            } else {
                text = "\(Int.random(in: 1...999_999_999, using: &generator))e\(Int.random(in: -30...30, using: &generator))"
            }
            guard let expected = Double(text) else { continue }
            let value = try Double(jsonNumber: text)
            #expect(value.bitPattern == expected.bitPattern, "\(text)")
        }
        #expect(throws: JSONError.self) { try Double(jsonNumber: "1e309") }
        #expect(try Double(jsonNumber: "-0").bitPattern == (-0.0 as Double).bitPattern)
    }
}

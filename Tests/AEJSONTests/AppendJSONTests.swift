// The Float printer and the array, matrix and string writers: shortest digits, valid JSON,
// exact round trips, and refusal of NaN and infinity.
import Testing
import AEJSON

@Suite struct AppendJSONTests {
    static func text(_ value: Float) -> String? {
        var bytes: [UInt8] = []
        guard appendJSON(value, to: &bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The significant digits of a printed number, without sign, point, exponent or padding zeros.
    static func significantDigits(_ text: String) -> String {
        let mantissa = text.split(whereSeparator: { $0 == "e" || $0 == "E" })[0]
        let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        return String(digits.reversed().drop { $0 == "0" }.reversed())
    }

    static let edgeCases: [(value: Float, text: String)] = [
        (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (-1, "-1.0"), (0.1, "0.1"), (0.5, "0.5"), (100, "100.0"),
        (1e-4, "0.0001"), (1.5e-4, "0.00015"), (1e-5, "1e-5"), (-2.5e-7, "-2.5e-7"),
        (16_777_216, "16777216.0"), (123_456_792, "123456790.0"), (1e9, "1e9"), (1.5e10, "1.5e10"),
        (.greatestFiniteMagnitude, "3.4028235e38"), (-.greatestFiniteMagnitude, "-3.4028235e38"),
        (.leastNormalMagnitude, "1.1754944e-38"), (.leastNonzeroMagnitude, "1e-45"),
        (Float(bitPattern: 0x007F_FFFF), "1.1754942e-38"), (0.45882353, "0.45882353"),
        (1.0000001, "1.0000001"), (0.3, "0.3"), (2.0 / 3.0, "0.6666667"), (1e38, "1e38"), (1e-38, "1e-38"),
        (8_388_607.5, "8388607.5"), (33_554_432, "33554432.0"), (1e10, "1e10"),
    ]

    @Test("edge values print as the expected shortest text", arguments: edgeCases.indices)
    func edgeValue(index: Int) throws {
        let (value, expected) = Self.edgeCases[index]
        let text = try #require(Self.text(value))
        #expect(text == expected)
        #expect(Float(text)?.bitPattern == value.bitPattern)
        #expect(try Float(jsonNumber: text).bitPattern == value.bitPattern)
    }

    @Test("powers of ten from 1e-45 to 1e38 print as one digit and read back")
    func powersOfTen() throws {
        for exponent in -45...38 {
            let value = try #require(Float("1e\(exponent)"))
            let text = try #require(Self.text(value))
            #expect(Self.significantDigits(text) == "1", "1e\(exponent) printed as \(text)")
            #expect(Float(text) == value)
        }
    }

    @Test("NaN and infinities are refused and nothing is appended")
    func nonFinite() {
        var bytes: [UInt8] = [1, 2]
        #expect(!appendJSON(Float.nan, to: &bytes))
        #expect(!appendJSON(Float.infinity, to: &bytes))
        #expect(!appendJSON(-Float.infinity, to: &bytes))
        #expect(bytes == [1, 2])
        #expect(throws: NonFiniteFloatError(index: 2, value: .infinity)) {
            try appendJSON([1, 2, .infinity, 4], to: &bytes)
        }
        #expect(throws: NonFiniteFloatError.self) { try appendJSON([1, 2, 3, .nan], columnCount: 2, to: &bytes) }
        #expect(bytes == [1, 2])
    }

    @Test("one million random bit patterns print as valid JSON with description's digits and read back identically")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 5)
        var bytes: [UInt8] = []
        for _ in 0 ..< 250_000 * RandomCases.scale {
            let value = Float.randomFinite(using: &generator)
            bytes.removeAll(keepingCapacity: true)
            #expect(appendJSON(value, to: &bytes))
            let text = String(decoding: bytes, as: UTF8.self)
            // Float(String) is the reference; Float(jsonNumber:) also checks the JSON grammar.
            guard Float(text)?.bitPattern == value.bitPattern,
                  (try? Float(jsonNumber: bytes))?.bitPattern == value.bitPattern else {
                Issue.record("\(value.description) (0x\(String(value.bitPattern, radix: 16))) printed as \(text)")
                continue
            }
            // Swift's description also prints the shortest digits closest to the value.
            let expected = Self.significantDigits(value.description)
            if Self.significantDigits(text) != expected && value != 0 {
                Issue.record("\(value.description) printed as \(text): other digits than \(expected)")
            }
        }
    }

    @Test("arrays and matrices of Floats append as compact JSON after existing bytes")
    func arrays() throws {
        var bytes = Array("x=".utf8)
        try appendJSON([0.1, -2, 1e-7] as [Float], to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x=[0.1,-2.0,1e-7]")
        bytes = []
        try appendJSON([] as [Float], to: &bytes)
        #expect(bytes == Array("[]".utf8))
        bytes = []
        try appendJSON([1, 2, 3, 4, 5, 6] as [Float], columnCount: 3, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "[[1.0,2.0,3.0],[4.0,5.0,6.0]]")
        bytes = []
        try appendJSON([0.5] as [Float], columnCount: 1, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "[[0.5]]")
        bytes = []
        try appendJSON([] as [Float], columnCount: 4, to: &bytes)
        #expect(bytes == Array("[]".utf8))
        bytes = []
        try appendJSON(ArraySlice<Float>([1, 2]), to: &bytes)
        #expect(bytes == Array("[1.0,2.0]".utf8))
    }

    @Test("a written matrix reads back through the scanner bit for bit")
    func matrixRoundTrip() throws {
        var generator = SeededGenerator(seed: 6)
        let values = (0 ..< 3 * 784).map { _ in Float.randomFinite(using: &generator) }
        var bytes: [UInt8] = []
        try appendJSON(values, columnCount: 784, to: &bytes)
        var scanner = JSONScanner(bytes)
        let matrix = try scanner.readFloatMatrix()
        try scanner.finish()
        #expect(matrix.rowCount == 3 && matrix.columnCount == 784)
        #expect(matrix.values.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("strings are quoted with quotes, backslashes and control characters escaped")
    func strings() throws {
        var bytes: [UInt8] = []
        appendJSON("a\"b\\c\n\t\r\u{01}\u{1F}é😀/", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\n\t\r\u0001\u001fé😀/""#)
        var scanner = JSONScanner(bytes)
        #expect(try scanner.readString() == "a\"b\\c\n\t\r\u{01}\u{1F}é😀/")
    }
}

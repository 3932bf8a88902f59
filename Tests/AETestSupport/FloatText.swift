// Holding floats a server printed to the engine's own values, bit for bit, and to the
// shortest text that reads back to the same Float32.
import Testing

/// Significant digits of a decimal number's text (`"0.001250"` → `"125"`).
public func significantDigits(_ text: String) -> String {
    var mantissa = Substring(text)
    if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) { mantissa = mantissa[..<e] }
    let digits = mantissa.filter(\.isNumber)
    return String(digits.drop { $0 == "0" }.reversed().drop { $0 == "0" }.reversed())
}

/// Expects each text in `texts` to read (with `Float(String)`) to the very bits of `expected`
/// and to be as short as the shortest round-tripping text, naming the first index that is not.
public func expectFloatTexts(
    _ texts: [String], equal expected: [Float], _ name: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard texts.count == expected.count else {
        Issue.record("\(name): expected \(expected.count) values, got \(texts.count)", sourceLocation: sourceLocation)
        return
    }
    for i in texts.indices {
        guard let value = Float(texts[i]) else {
            Issue.record("\(name)[\(i)]: '\(texts[i])' is not a number", sourceLocation: sourceLocation)
            return
        }
        guard value.bitPattern == expected[i].bitPattern else {
            Issue.record("""
                \(name)[\(i)]: '\(texts[i])' reads as \(value) (bits \(value.bitPattern)); \
                the engine gives \(expected[i]) (bits \(expected[i].bitPattern))
                """, sourceLocation: sourceLocation)
            return
        }
        // Swift's description is the shortest text that round-trips (SwiftDtoa).
        let shortest = significantDigits(expected[i].description)
        guard significantDigits(texts[i]).count <= shortest.count else {
            Issue.record("\(name)[\(i)]: '\(texts[i])' is longer than needed ('\(expected[i].description)' reads back the same)",
                         sourceLocation: sourceLocation)
            return
        }
    }
}

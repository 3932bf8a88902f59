// Approximate comparison of float arrays: |a − b| ≤ atol + rtol·|ref|, with a message
// that names the tensor, the first bad index, expected, actual and the maximum difference.
import Testing

/// Expects `actual` to match `expected` elementwise within `atol + rtol·|expected|`.
public func expectClose(
    _ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
    _ name: String = "tensor", sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose(actual.map(Double.init), expected.map(Double.init), rtol: Double(rtol),
                atol: Double(atol), name, sourceLocation: sourceLocation)
}

/// Expects `actual` to match `expected` elementwise within `atol + rtol·|expected|` (Float64).
public func expectClose(
    _ actual: [Double], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
    _ name: String = "tensor", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(name): expected \(expected.count) values, got \(actual.count)",
                     sourceLocation: sourceLocation)
        return
    }
    var firstBad: Int?
    var maxDifference = 0.0
    for i in actual.indices {
        let difference = abs(actual[i] - expected[i])
        if !(difference <= atol + rtol * abs(expected[i])) {
            if firstBad == nil { firstBad = i }
        }
        if difference > maxDifference || difference.isNaN { maxDifference = difference }
    }
    if let i = firstBad {
        Issue.record("""
            \(name): index \(i) expected \(expected[i]), got \(actual[i]) \
            (max |difference| \(maxDifference), rtol \(rtol), atol \(atol))
            """, sourceLocation: sourceLocation)
    }
}

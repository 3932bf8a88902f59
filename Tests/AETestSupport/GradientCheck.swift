// Central finite differences in Float64, held against an analytic gradient.
import Testing

/// Expects `analytic` to match central differences of `loss` around `point`
/// (step `h`, agreement `|a − n| ≤ atol + rtol·|n|`), naming the first bad index.
public func gradientCheck(
    _ name: String, at point: [Double], analytic: [Double], h: Double = 1e-6,
    rtol: Double = 1e-5, atol: Double = 1e-8,
    sourceLocation: SourceLocation = #_sourceLocation,
    loss: ([Double]) -> Double
) {
    var numeric = [Double](repeating: 0, count: point.count)
    var x = point
    for i in point.indices {
        x[i] = point[i] + h
        let up = loss(x)
        x[i] = point[i] - h
        let down = loss(x)
        x[i] = point[i]
        numeric[i] = (up - down) / (2 * h)
    }
    expectClose(analytic, numeric, rtol: rtol, atol: atol, "\(name) gradient", sourceLocation: sourceLocation)
}

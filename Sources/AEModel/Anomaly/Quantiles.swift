// Sample quantiles by linear interpolation between order statistics: NumPy's default
// `np.quantile(..., method="linear")`, Hyndman & Fan (1996) definition 7.

/// Quantiles of a sample.
public enum Quantiles {
    /// The `q`-quantile (0 ≤ q ≤ 1) of `sorted` (ascending, not empty): with h = (n − 1)·q,
    /// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]), in Double.
    ///
    /// reference: Hyndman & Fan, "Sample quantiles in statistical packages" (1996), definition 7.
    public static func linear<S: BinaryFloatingPoint>(sorted: [S], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "quantile of an empty sample")
        precondition(q >= 0 && q <= 1, "quantile \(q) is outside [0, 1]")
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down))
        let low = Double(sorted[lower])
        guard lower + 1 < sorted.count else { return low }
        let fraction = h - Double(lower)
        return fraction == 0 ? low : low + fraction * (Double(sorted[lower + 1]) - low)
    }
}

// A small fixed-bin histogram of calibration scores, for pictures (the console) and for a
// person judging the tail at a glance.

/// Counts of scores in equal-width bins from the smallest score to the largest.
public struct ScoreHistogram: Sendable, Codable, Equatable {
    /// Bin edges, ascending: bin i is [edges[i], edges[i + 1]), the last bin closed.
    public var edges: [Double]
    /// Scores per bin; `counts.count == edges.count - 1`.
    public var counts: [Int]

    /// Bins used when there is a spread of scores.
    public static let binCount = 32

    /// The histogram of `sorted` (ascending, not empty): `binCount` equal bins over
    /// [min, max], or one bin when every score is the same. As `np.histogram(x, bins, (min, max))`.
    public init<S: BinaryFloatingPoint>(sorted: [S]) {
        precondition(!sorted.isEmpty, "histogram of an empty sample")
        let low = Double(sorted[0]), high = Double(sorted[sorted.count - 1])
        guard high > low else {
            edges = [low, high]
            counts = [sorted.count]
            return
        }
        let bins = Self.binCount
        let width = high - low
        edges = (0...bins).map { $0 == bins ? high : low + width * Double($0) / Double(bins) }
        counts = [Int](repeating: 0, count: bins)
        for score in sorted {
            let position = (Double(score) - low) / width * Double(bins)
            counts[min(bins - 1, max(0, Int(position)))] += 1
        }
    }

    public init(edges: [Double], counts: [Int]) {
        self.edges = edges
        self.counts = counts
    }
}

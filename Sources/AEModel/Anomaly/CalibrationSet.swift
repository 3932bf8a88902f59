// All the calibrations of one model version, one per score kind, as stored beside its
// checkpoint (calibration.json) and shown by GET /models and `aeserve inspect`.

/// A model version's calibrations, keyed by score kind.
public struct CalibrationSet: Sendable, Codable, Equatable {
    /// The format tag of calibration.json.
    public static let currentFormat = "aeserve-calibration/1"

    /// The format tag read or written.
    public var format: String
    /// The calibration of each score kind that has one.
    public var scores: [ScoreKind: Calibration]

    /// A set of `calibrations` (one per score kind; a later one replaces an earlier of its kind).
    public init(_ calibrations: [Calibration]) {
        format = Self.currentFormat
        scores = [:]
        for calibration in calibrations { scores[calibration.score] = calibration }
    }

    /// The calibration of `kind`, if there is one.
    public subscript(kind: ScoreKind) -> Calibration? { scores[kind] }

    /// Nil when every stored number is consistent, else what is wrong, naming the field:
    /// a file on disk may have been edited by hand or cut short.
    public var problem: String? {
        guard format == Self.currentFormat else {
            return "format is '\(format)'; this aeserve reads '\(Self.currentFormat)'"
        }
        guard !scores.isEmpty else { return "scores is empty; expected at least one calibration" }
        for (kind, calibration) in scores.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let problem = calibration.problem(kind: kind) { return "scores.\(kind.rawValue): \(problem)" }
        }
        return nil
    }
}

extension ScoreKind: CodingKeyRepresentable {}

extension Calibration {
    /// What is inconsistent in a calibration stored under `kind`, or nil.
    func problem(kind: ScoreKind) -> String? {
        guard score == kind else { return "score is '\(score.rawValue)' under the key '\(kind.rawValue)'" }
        guard count >= 1 else { return "count must be at least 1, got \(count)" }
        guard quantiles.map(\.quantile) == Self.storedQuantiles else {
            return "quantiles must be \(Self.storedQuantiles), got \(quantiles.map(\.quantile))"
        }
        let values = [min] + quantiles.map(\.value) + [max]
        guard values.allSatisfy(\.isFinite), mean.isFinite else { return "a value is not a finite number" }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            return "min, the quantiles and max must not decrease, got \(values)"
        }
        guard histogram.edges.count == histogram.counts.count + 1, histogram.edges.allSatisfy(\.isFinite),
              histogram.counts.allSatisfy({ $0 >= 0 }), histogram.counts.reduce(0, { $0 &+ $1 }) == count else {
            return "histogram must have one edge more than counts, and counts summing to count (\(count))"
        }
        if score == .elbo {
            guard let elbo else { return "an elbo calibration needs its elbo settings" }
            if let problem = elbo.problem { return "elbo: \(problem)" }
        }
        if score == .hybrid {
            guard let latent else { return "a hybrid calibration needs its latent density" }
            if let problem = latent.problem(latent: latent.mean.count) { return problem }
        }
        return nil
    }
}

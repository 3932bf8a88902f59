// What a normal score is for one model version: the distribution of its per-vector scores on
// data it should find normal (its validation split), against which new scores are judged.
import AEMath

/// The distribution of one kind of score over a calibration set.
public struct Calibration: Sendable, Codable, Equatable {
    /// The score these numbers describe.
    public var score: ScoreKind
    /// How ELBO scores were estimated (`score == .elbo` only).
    public var elbo: ELBOSettings?
    /// The codes' Gaussian and the errors' scale that hybrid scores are measured against
    /// (`score == .hybrid` only).
    public var latent: LatentDensity?
    /// The stored quantiles, ascending in `quantile`.
    public var quantiles: [StoredQuantile]
    /// The smallest and largest score, and the mean.
    public var min: Double, max: Double, mean: Double
    /// How many vectors were scored.
    public var count: Int
    /// Where the vectors came from.
    public var source: CalibrationSource
    /// The scores in equal-width bins.
    public var histogram: ScoreHistogram
    /// When it was computed, ISO 8601 (not part of reproducibility).
    public var createdAt: String?

    /// One stored quantile.
    public struct StoredQuantile: Sendable, Codable, Equatable {
        /// The probability, e.g. 0.99.
        public var quantile: Double
        /// The score below which that share of the calibration set lies (linear interpolation).
        public var value: Double

        public init(quantile: Double, value: Double) {
            self.quantile = quantile
            self.value = value
        }
    }

    /// The quantiles every calibration stores (the maximum is stored too, as quantile 1).
    public static let storedQuantiles: [Double] = [0.5, 0.9, 0.95, 0.99, 0.995, 0.999]
    /// The quantile whose value is the threshold when a request names none.
    public static let defaultQuantile = 0.99

    enum CodingKeys: String, CodingKey {
        case score, elbo, latent, quantiles, min, max, mean, count, source, histogram
        case createdAt = "created_at"
    }

    /// The calibration of finite `scores` (not empty) of kind `score`; a hybrid one keeps the
    /// `latent` density its scores were measured against.
    public init(scores: [Float], score: ScoreKind, elbo: ELBOSettings? = nil, latent: LatentDensity? = nil,
                source: CalibrationSource, createdAt: String? = nil) {
        precondition(!scores.isEmpty, "calibration needs at least one score")
        let sorted = scores.sorted()
        self.score = score
        self.elbo = score == .elbo ? elbo : nil
        self.latent = score == .hybrid ? latent : nil
        quantiles = Self.storedQuantiles.map { StoredQuantile(quantile: $0, value: Quantiles.linear(sorted: sorted, $0)) }
        min = Double(sorted[0])
        max = Double(sorted[sorted.count - 1])
        mean = sorted.reduce(0.0) { $0 + Double($1) } / Double(sorted.count)
        count = sorted.count
        self.source = source
        histogram = ScoreHistogram(sorted: sorted)
        self.createdAt = createdAt
    }

    /// Scores `data` (`[rows, input_dim]`, at least one row) with `model` (see
    /// `Autoencoder.scores`) and returns their distribution. The same model, data and settings
    /// give the same numbers. The hybrid score's density is fitted to `densityData` when given
    /// (a training run's training split: many more vectors than it holds out, so a steadier
    /// Gaussian, while the quantiles still come from held-out `data`), else to `data` itself.
    public static func compute(model: Autoencoder<Float>, data: Matrix<Float>, kind: ScoreKind,
                               elbo: ELBOSettings = ELBOSettings(), densityData: Matrix<Float>? = nil,
                               source: CalibrationSource, createdAt: String? = nil) throws(CalibrationError) -> Calibration {
        guard data.rows > 0 else { throw CalibrationError("the calibration data has no rows; give at least one vector") }
        let overflow = { (bad: Int, score: Float) in
            CalibrationError("""
                the score of calibration vector \(bad) is \(score); its values overflow the model \
                (scale the data to the range the model was trained on)
                """)
        }
        guard kind == .hybrid else {
            if let problem = model.scoringProblem(columns: data.columns, kind: kind, elbo: elbo) { throw CalibrationError(problem) }
            let scores = model.scores(data, kind: kind, elbo: elbo)
            if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw overflow(bad, scores[bad]) }
            return Calibration(scores: scores, score: kind, elbo: elbo, source: source, createdAt: createdAt)
        }
        // The hybrid score is measured against a density, fitted first.
        if let unavailable = model.architecture.unavailability(of: .hybrid) { throw CalibrationError(unavailable) }
        for matrix in [data] + (densityData.map { [$0] } ?? []) {
            if let problem = model.scoringProblem(columns: matrix.columns, kind: .mse, elbo: elbo) { throw CalibrationError(problem) }
        }
        let checked = { (matrix: Matrix<Float>) throws(CalibrationError) -> (codes: Matrix<Float>, errors: [Float]) in
            let (codes, errors) = model.codesAndErrors(matrix)
            if let bad = errors.firstIndex(where: { !$0.isFinite }) { throw overflow(bad, errors[bad]) }
            if let bad = codes.storage.firstIndex(where: { !$0.isFinite }) {
                throw overflow(bad / Swift.max(codes.columns, 1), codes.storage[bad])
            }
            return (codes, errors)
        }
        let (codes, errors) = try checked(data)
        var fitted = (codes: codes, errors: errors)
        if let densityData, densityData.rows > 0 { fitted = try checked(densityData) }
        let density = LatentDensity(codes: fitted.codes, errors: fitted.errors)
        let scores = density.scores(codes: codes, errors: errors)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw overflow(bad, scores[bad]) }
        return Calibration(scores: scores, score: kind, latent: density, source: source, createdAt: createdAt)
    }

    /// The threshold at quantile `q` (0.5 ≤ q ≤ 1): a stored quantile's value, or a linear
    /// interpolation in q between the two stored quantiles around it (`interpolated` true);
    /// quantile 1 is the maximum.
    public func threshold(atQuantile q: Double) throws(CalibrationError) -> (value: Double, interpolated: Bool) {
        let points = quantiles.map { ($0.quantile, $0.value) } + [(1.0, max)]
        guard let first = points.first, q.isFinite, q >= first.0, q <= 1 else {
            throw CalibrationError("""
                quantile must be from \(points.first?.0 ?? 1) to 1 (the calibration stores \
                \(points.map { "\($0.0)" }.joined(separator: ", "))), got \(q)
                """)
        }
        if let exact = points.first(where: { $0.0 == q }) { return (exact.1, false) }
        // points ascend in q and q lies strictly inside their range: a bracket exists.
        let upper = points.firstIndex { $0.0 > q }!
        let (q0, v0) = points[upper - 1], (q1, v1) = points[upper]
        return (v0 + (q - q0) / (q1 - q0) * (v1 - v0), true)
    }
}

/// Where a calibration's vectors came from.
public struct CalibrationSource: Sendable, Codable, Equatable {
    /// `validation_split` (held out by the training run), `training_data` (a run without a
    /// validation split) or `dataset` (calibrated afterwards on data a user named).
    public var kind: String
    /// The dataset, as the user named it (a file name, a path under a data root, "inline").
    public var dataset: String?
    /// The validation fraction and the seed that chose the split (`validation_split` only).
    public var fraction: Double?
    public var seed: UInt64?
    /// The label classes kept, when the data was filtered by class.
    public var classes: [Int]?

    public init(kind: String, dataset: String? = nil, fraction: Double? = nil, seed: UInt64? = nil, classes: [Int]? = nil) {
        self.kind = kind
        self.dataset = dataset
        self.fraction = fraction
        self.seed = seed
        self.classes = classes
    }

    /// The held-out split of a training run.
    public static func validationSplit(dataset: String?, fraction: Double, seed: UInt64, classes: [Int]? = nil) -> CalibrationSource {
        CalibrationSource(kind: "validation_split", dataset: dataset, fraction: fraction, seed: seed, classes: classes)
    }
}

/// Why a calibration or a threshold cannot be had; the message says what to change.
public struct CalibrationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

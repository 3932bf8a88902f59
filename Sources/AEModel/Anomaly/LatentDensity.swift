// What the hybrid score measures against: where a model puts normal vectors in its latent space
// (a Gaussian fitted to their codes) and how well it reconstructs them. A vector the model
// reconstructs well but encodes far from the normal codes (a model of one garment often
// reconstructs others nearly as well) is caught by the distance; one it encodes near them but
// reconstructs badly, by the error.
//
// reference: the Mahalanobis distance of codes as an anomaly score, Lee et al., "A Simple Unified
// Framework for Detecting Out-of-Distribution Samples and Adversarial Attacks" (NeurIPS 2018);
// reconstruction error and latent features scored together, Zong et al., "Deep Autoencoding
// Gaussian Mixture Model for Unsupervised Anomaly Detection" (ICLR 2018).
import AEMath

/// A Gaussian of a model's codes and the scale of its errors on calibration data.
public struct LatentDensity: Sendable, Codable, Equatable {
    /// The mean code.
    public var mean: [Double]
    /// W = L⁻¹, row-major `[latent, latent]`, lower-triangular, where L·Lᵀ is the codes'
    /// covariance (ridged): the squared Mahalanobis distance of a code z is ‖W(z − mean)‖².
    public var whitening: [Double]
    /// ln of the calibration vectors' mean squared errors: their mean and standard deviation.
    public var logError: Scale
    /// ln of their squared Mahalanobis distances: mean and standard deviation.
    public var logDistance: Scale

    /// A mean and a standard deviation, to put a value in units of the calibration's spread.
    public struct Scale: Sendable, Codable, Equatable {
        public var mean: Double
        public var deviation: Double

        public init(mean: Double, deviation: Double) {
            self.mean = mean
            self.deviation = deviation
        }

        /// The scale of `values`, at least one (deviation with n − 1; 1 when there is no
        /// spread, so a one-vector calibration still scores).
        init(_ values: [Double]) {
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            self.mean = mean
            let deviation = values.count > 1 ? (squares / (n - 1)).squareRoot() : 0
            self.deviation = deviation > Self.smallestDeviation ? deviation : 1
        }

        /// How many deviations `value` lies above the mean.
        func standardized(_ value: Double) -> Double { (value - mean) / deviation }

        /// Deviations at or below this count as none.
        static let smallestDeviation = 1e-12
    }

    enum CodingKeys: String, CodingKey {
        case mean, whitening
        case logError = "log_error", logDistance = "log_distance"
    }

    /// The largest latent size a density is fitted for: its whitening matrix grows as its
    /// square (128² values are ≈ 0.4 MB of calibration.json).
    public static let maximumLatent = 128

    /// Added to errors and distances before their logarithm, so an exact reconstruction or
    /// the mean code itself has a finite score.
    static let floor = 1e-12
    /// The covariance's ridge, relative to its mean variance: a latent direction the
    /// calibration codes never vary in stays invertible without dominating the distance.
    static let relativeRidge = 1e-6

    /// Fits the density to `codes` (`[rows, latent]`, at least one row) and the same rows'
    /// mean squared `errors`.
    public init(codes: Matrix<Float>, errors: [Float]) {
        precondition(codes.rows >= 1 && codes.rows == errors.count, "one error per code, at least one")
        let n = codes.rows, d = codes.columns
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += Double(codes[r, j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for j in 0..<d { centred[j] = Double(codes[r, j]) - mean[j] }
            for i in 0..<d { for j in 0...i { covariance[i * d + j] += centred[i] * centred[j] } }
        }
        let divisor = Double(Swift.max(n - 1, 1))
        var trace = 0.0
        for i in 0..<d {
            for j in 0...i {
                covariance[i * d + j] /= divisor
                covariance[j * d + i] = covariance[i * d + j]
            }
            trace += covariance[i * d + i]
        }
        let ridge = Self.relativeRidge * trace / Double(Swift.max(d, 1)) + Self.floor
        for i in 0..<d { covariance[i * d + i] += ridge }
        let whitening = Self.inverseCholesky(covariance, dimension: d)
        self.mean = mean
        self.whitening = whitening
        logError = Scale(errors.map { Self.log(Double($0)) })
        logDistance = Scale(Self.distances(codes, mean: mean, whitening: whitening).map(Self.log))
    }

    /// A density from stored parts (see each property).
    public init(mean: [Double], whitening: [Double], logError: Scale, logDistance: Scale) {
        self.mean = mean
        self.whitening = whitening
        self.logError = logError
        self.logDistance = logDistance
    }

    /// The squared Mahalanobis distance of each row of `codes` to the mean.
    public func distances(_ codes: Matrix<Float>) -> [Double] {
        Self.distances(codes, mean: mean, whitening: whitening)
    }

    private static func distances(_ codes: Matrix<Float>, mean: [Double], whitening: [Double]) -> [Double] {
        let d = mean.count
        precondition(codes.columns == d, "codes must have \(d) columns")
        var centred = [Double](repeating: 0, count: d)
        return (0..<codes.rows).map { r in
            for j in 0..<d { centred[j] = Double(codes[r, j]) - mean[j] }
            var total = 0.0
            for i in 0..<d {
                var y = 0.0
                for j in 0...i { y += whitening[i * d + j] * centred[j] }
                total += y * y
            }
            return total
        }
    }

    /// The hybrid score of each row: its error and its code's distance, each as a log in
    /// deviations from the calibration's, summed. 0 is a typical calibration vector.
    public func scores(codes: Matrix<Float>, errors: [Float]) -> [Float] {
        precondition(codes.rows == errors.count, "one error per code")
        return zip(distances(codes), errors).map { distance, error in
            Float(logError.standardized(Self.log(Double(error))) + logDistance.standardized(Self.log(distance)))
        }
    }

    /// Nil when the stored numbers fit a model with `latent` dimensions, else what is wrong.
    public func problem(latent: Int) -> String? {
        guard mean.count == latent else { return "latent.mean has \(mean.count) values; the model's latent_dim is \(latent)" }
        guard whitening.count == latent * latent else {
            return "latent.whitening has \(whitening.count) values; expected latent_dim² = \(latent * latent)"
        }
        let numbers = mean + whitening + [logError.mean, logError.deviation, logDistance.mean, logDistance.deviation]
        guard numbers.allSatisfy(\.isFinite) else { return "latent: a value is not a finite number" }
        guard logError.deviation > 0, logDistance.deviation > 0 else { return "latent: a deviation is not positive" }
        return nil
    }

    private static func log(_ value: Double) -> Double { Double.logarithm(Swift.max(value, 0) + floor) }

    /// L⁻¹ for the Cholesky factor L of the symmetric positive definite `matrix`.
    private static func inverseCholesky(_ matrix: [Double], dimension d: Int) -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = matrix[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                // The ridge keeps every pivot positive; the guard keeps rounding from making a NaN.
                l[i * d + j] = i == j ? Swift.max(sum, floor).squareRoot() : sum / l[j * d + j]
            }
        }
        // Forward substitution, column by column of the identity.
        var inverse = [Double](repeating: 0, count: d * d)
        for c in 0..<d {
            for i in c..<d {
                var sum = i == c ? 1.0 : 0.0
                for k in c..<i { sum -= l[i * d + k] * inverse[k * d + c] }
                inverse[i * d + c] = sum / l[i * d + i]
            }
        }
        return inverse
    }
}

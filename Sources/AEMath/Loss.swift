// Reconstruction losses (mean over every element, as PyTorch's default reduction) and the
// variational KL term, each returning its value and its gradient.

/// A reconstruction loss; raw values are the names used in training options.
///
/// reference: PyTorch `nn.MSELoss`, `nn.BCELoss` (reduction "mean"; BCE clamps each log at −100).
public enum Loss: String, Sendable, Codable, CaseIterable {
    case mse, bce

    /// The loss of `prediction` against `target` (both `[batch, features]`), accumulated in
    /// Double, and dLoss/dPrediction.
    @_specialize(exported: true, where S == Float)
    public func evaluate<S: BLASScalar>(
        prediction: Matrix<S>, target: Matrix<S>
    ) -> (value: Double, gradient: Matrix<S>) {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "loss: prediction and target shapes differ")
        var gradient = Matrix<S>(rows: prediction.rows, columns: prediction.columns)
        let n = prediction.count
        guard n > 0 else { return (0, gradient) }
        let scale = 1 / S(n)
        var total = 0.0
        prediction.storage.withUnsafeBufferPointer { y in
            target.storage.withUnsafeBufferPointer { t in
                gradient.storage.withUnsafeMutableBufferPointer { g in
                    switch self {
                    case .mse:
                        for i in 0..<n {
                            let d = y[i] - t[i]
                            total += Double(d * d)
                            g[i] = 2 * d * scale
                        }
                    case .bce:
                        for i in 0..<n {
                            total -= Double(t[i]) * clampedLog(Double(y[i]))
                                + Double(1 - t[i]) * clampedLog(Double(1 - y[i]))
                            // Derivative of the clamped form; the clamp's flat region has none.
                            let dPositive: S = y[i] > 0 && Double(y[i]) > expMinus100 ? -t[i] / y[i] : 0
                            let dNegative: S = y[i] < 1 && Double(1 - y[i]) > expMinus100
                                ? (1 - t[i]) / (1 - y[i]) : 0
                            g[i] = (dPositive + dNegative) * scale
                        }
                    }
                }
            }
        }
        return (total / Double(n), gradient)
    }

    /// Each row's loss (the mean over its features, accumulated in Double), as `evaluate`
    /// computes it for a whole batch: per-vector scores of the training objective.
    @_specialize(exported: true, where S == Float)
    public func rowValues<S: BLASScalar>(prediction: Matrix<S>, target: Matrix<S>) -> [Double] {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "loss: prediction and target shapes differ")
        let width = prediction.columns
        guard width > 0 else { return [Double](repeating: 0, count: prediction.rows) }
        return prediction.storage.withUnsafeBufferPointer { y in
            target.storage.withUnsafeBufferPointer { t in
                (0..<prediction.rows).map { r in
                    var total = 0.0
                    let row = (r * width)..<((r + 1) * width)
                    switch self {
                    case .mse:
                        for i in row {
                            let d = Double(y[i] - t[i])
                            total += d * d
                        }
                    case .bce:
                        for i in row {
                            total -= Double(t[i]) * clampedLog(Double(y[i]))
                                + Double(1 - t[i]) * clampedLog(Double(1 - y[i]))
                        }
                    }
                    return total / Double(width)
                }
            }
        }
    }

    /// The per-row mean squared error between `prediction` and `target` (the `/reconstruct`
    /// error and the `mse` anomaly score).
    @_specialize(exported: true, where S == Float)
    public static func rowMeanSquaredErrors<S: BLASScalar>(
        prediction: Matrix<S>, target: Matrix<S>
    ) -> [S] {
        Loss.mse.rowValues(prediction: prediction, target: target).map { S($0) }
    }
}

private let expMinus100 = 3.720075976020836e-44  // e^−100: below it PyTorch's clamp holds the log

@inline(__always) private func clampedLog(_ x: Double) -> Double {
    x > expMinus100 ? Double.logarithm(x) : -100
}

/// The KL divergence of N(mean, exp(logVariance)) from N(0, 1), summed over latent
/// dimensions and averaged over the batch.
///
/// Shapes: `mean`, `logVariance`: `[batch, latent]`.
/// reference: Kingma & Welling, "Auto-Encoding Variational Bayes" (2014), appendix B.
public enum KLDivergence {
    /// The value and the gradients with respect to mean and log-variance.
    @_specialize(exported: true, where S == Float)
    public static func evaluate<S: BLASScalar>(
        mean: Matrix<S>, logVariance: Matrix<S>
    ) -> (value: Double, dMean: Matrix<S>, dLogVariance: Matrix<S>) {
        precondition(mean.rows == logVariance.rows && mean.columns == logVariance.columns,
                     "KL: mean and log-variance shapes differ")
        var dMean = Matrix<S>(rows: mean.rows, columns: mean.columns)
        var dLogVariance = Matrix<S>(rows: mean.rows, columns: mean.columns)
        guard mean.rows > 0 else { return (0, dMean, dLogVariance) }
        let scale = 1 / S(mean.rows)
        var total = 0.0
        for i in 0..<mean.count {
            let mu = mean.storage[i], lv = logVariance.storage[i]
            let variance = S.exponential(lv)
            total += -0.5 * Double(1 + lv - mu * mu - variance)
            dMean.storage[i] = mu * scale
            dLogVariance.storage[i] = (variance - 1) / 2 * scale
        }
        return (total / Double(mean.rows), dMean, dLogVariance)
    }

    /// Each row's KL divergence (summed over latent dimensions, not averaged), the same terms
    /// as `evaluate`: the per-vector KL of a variational model's code.
    @_specialize(exported: true, where S == Float)
    public static func rowValues<S: BLASScalar>(mean: Matrix<S>, logVariance: Matrix<S>) -> [Double] {
        precondition(mean.rows == logVariance.rows && mean.columns == logVariance.columns,
                     "KL: mean and log-variance shapes differ")
        let width = mean.columns
        return (0..<mean.rows).map { r in
            var total = 0.0
            for i in (r * width)..<((r + 1) * width) {
                let mu = mean.storage[i], lv = logVariance.storage[i]
                total += -0.5 * Double(1 + lv - mu * mu - S.exponential(lv))
            }
            return total
        }
    }
}

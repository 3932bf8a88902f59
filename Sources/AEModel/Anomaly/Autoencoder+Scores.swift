// Per-vector anomaly scores beyond the reconstruction error: the hybrid score, the sampled
// negative ELBO of a variational model, and each feature's squared error.
import AEMath

extension Autoencoder where S == Float {
    /// Why rows `columns` wide cannot be scored with `kind`, `elbo` and (hybrid) the version's
    /// `density`, or nil when they can.
    public func scoringProblem(columns: Int, kind: ScoreKind, elbo: ELBOSettings,
                               density: LatentDensity? = nil) -> String? {
        guard columns == architecture.inputDimension else {
            return "the data has \(columns) values per vector; the model expects input_dim \(architecture.inputDimension)"
        }
        if let unavailable = architecture.unavailability(of: kind) { return unavailable }
        switch kind {
        case .mse:
            return nil
        case .elbo:
            return elbo.problem.map { "elbo: \($0)" }
        case .hybrid:
            guard let density else {
                return "score 'hybrid' is measured against the version's calibration, and it has no hybrid calibration"
            }
            return density.problem(latent: architecture.latentDimension)
        }
    }

    /// The `kind` score of every row of `data` (`[rows, input_dim]`), 1024 rows at a time so
    /// memory stays bounded. ELBO draws come from one generator seeded by `elbo.seed`, in row
    /// order, so the same data and settings give the same scores. The hybrid score needs the
    /// `density` of the version's calibration (see `scoringProblem`).
    public func scores(_ data: Matrix<Float>, kind: ScoreKind, elbo: ELBOSettings = ELBOSettings(),
                       density: LatentDensity? = nil) -> [Float] {
        var scores: [Float] = []
        scores.reserveCapacity(data.rows)
        var generator = RandomGenerator(seed: elbo.seed)
        for start in stride(from: 0, to: data.rows, by: 1024) {
            let chunk = data.gatherRows(start..<Swift.min(start + 1024, data.rows))
            switch kind {
            case .mse: scores += reconstruct(chunk).errors
            case .elbo: scores += negativeELBO(chunk, settings: elbo, generator: &generator)
            case .hybrid:
                guard let density else { preconditionFailure("the hybrid score needs a density; see scoringProblem") }
                scores += density.scores(codes: encode(chunk).latent, errors: reconstruct(chunk).errors)
            }
        }
        return scores
    }

    /// Each row's code (the variational mean) and mean squared reconstruction error, 1024 rows
    /// at a time: what a `LatentDensity` is fitted to.
    public func codesAndErrors(_ data: Matrix<Float>) -> (codes: Matrix<Float>, errors: [Float]) {
        var codes: [Float] = [], errors: [Float] = []
        codes.reserveCapacity(data.rows * architecture.latentDimension)
        errors.reserveCapacity(data.rows)
        for start in stride(from: 0, to: data.rows, by: 1024) {
            let chunk = data.gatherRows(start..<Swift.min(start + 1024, data.rows))
            codes += encode(chunk).latent.storage
            errors += reconstruct(chunk).errors
        }
        return (Matrix(rows: data.rows, columns: architecture.latentDimension, values: codes), errors)
    }

    /// Each row's negative ELBO, estimated with `settings.samples` latent draws taken from
    /// `generator` (ε shaped `[rows, latent]` per draw, draws in order):
    /// (1/n)·Σₛ loss(x, decode(μ + σ⊙εₛ)) + β·KL(N(μ, σ²) ‖ N(0, I)), the per-vector form of
    /// the training objective. With the mean-reduced MSE this is β times the negative ELBO of a
    /// Gaussian decoder of variance β·D/2, up to a constant, so it ranks vectors as the ELBO does.
    ///
    /// reference: Kingma & Welling (2014), eq. 10; An & Cho, "Variational autoencoder based
    /// anomaly detection using reconstruction probability" (2015).
    public func negativeELBO(_ input: Matrix<Float>, settings: ELBOSettings,
                             generator: inout RandomGenerator) -> [Float] {
        let latent = architecture.latentDimension
        let noise = (0..<settings.samples).map { _ in
            Matrix<Float>(rows: input.rows, columns: latent,
                          values: (0..<(input.rows * latent)).map { _ in Float(generator.nextGaussian()) })
        }
        return negativeELBO(input, noise: noise, beta: settings.beta, loss: settings.loss)
    }

    /// The same estimate with the draws given: one ε matrix `[rows, latent]` per sample.
    public func negativeELBO(_ input: Matrix<Float>, noise: [Matrix<Float>], beta: Double, loss: Loss) -> [Float] {
        precondition(isVariational, "negativeELBO needs a variational model")
        precondition(!noise.isEmpty, "negativeELBO needs at least one draw")
        let (mean, logVariance) = encode(input)
        let lv = logVariance!
        var totals = [Double](repeating: 0, count: input.rows)
        for epsilon in noise {
            precondition(epsilon.rows == mean.rows && epsilon.columns == mean.columns, "noise must be shaped [rows, latent]")
            var z = mean
            for k in z.storage.indices {
                z.storage[k] += Float.exponential(lv.storage[k] / 2) * epsilon.storage[k]
            }
            let terms = loss.rowValues(prediction: decode(z), target: input)
            for r in totals.indices { totals[r] += terms[r] }
        }
        let kl = KLDivergence.rowValues(mean: mean, logVariance: lv)
        return (0..<input.rows).map { r in Float(totals[r] / Double(noise.count) + beta * kl[r]) }
    }
}

/// Per-feature squared reconstruction errors and the worst features of each vector.
public enum FeatureErrors {
    /// (x̂ − x)² for every value, row-major like the input; each row's mean is that row's
    /// MSE score up to rounding (the score itself sums in Double).
    public static func squared(reconstruction: Matrix<Float>, input: Matrix<Float>) -> [Float] {
        precondition(reconstruction.rows == input.rows && reconstruction.columns == input.columns, "shapes differ")
        return zip(reconstruction.storage, input.storage).map { ($0 - $1) * ($0 - $1) }
    }

    /// The `k` largest of `errors` (one row), largest first; ties go to the lower index.
    public static func top(_ k: Int, of errors: ArraySlice<Float>) -> [(index: Int, error: Float)] {
        let base = errors.startIndex
        let ranked = errors.indices.sorted { a, b in
            errors[a] != errors[b] ? errors[a] > errors[b] : a < b
        }
        return ranked.prefix(k).map { ($0 - base, errors[$0]) }
    }
}

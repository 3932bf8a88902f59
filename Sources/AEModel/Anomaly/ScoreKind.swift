// What an anomaly score measures. The default is the reconstruction error `/reconstruct`
// reports; every model also offers the hybrid score (that error with the code's distance to the
// calibration codes), and variational models a sampled negative ELBO.
import AEMath

/// The kind of per-vector anomaly score; raw values are the API's names.
public enum ScoreKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// The mean squared reconstruction error of each vector (the variational mean is decoded).
    case mse
    /// The negative evidence lower bound of a variational model, estimated by sampling.
    case elbo
    /// The log reconstruction error plus the log squared Mahalanobis distance of the code to the
    /// calibration codes, each in deviations from the calibration's (see `LatentDensity`):
    /// measured against a calibration, so only a calibrated version offers it.
    case hybrid

    /// The kinds `architecture` can be scored with: hybrid up to `LatentDensity.maximumLatent`
    /// latent dimensions (its calibration holds a latent_dim² matrix).
    public static func available(for architecture: Architecture) -> [ScoreKind] {
        allCases.filter { architecture.unavailability(of: $0) == nil }
    }
}

/// How a negative ELBO is estimated: draws of the latent per vector, their seed, and the
/// objective's terms (reconstruction loss and KL weight), as the model was trained.
public struct ELBOSettings: Sendable, Codable, Equatable, Hashable {
    /// Latent draws per vector, at most `maximumSamples`.
    public var samples: Int
    /// Seed of the draws: the same seed gives the same scores.
    public var seed: UInt64
    /// Weight of the KL term (the model's training beta).
    public var beta: Double
    /// The reconstruction term (the model's training loss).
    public var loss: Loss

    /// Draws per vector when a request does not say.
    public static let defaultSamples = 16
    /// The most draws per vector a request may ask for (each draw is a decoder pass).
    public static let maximumSamples = 256

    /// Settings; see each property.
    public init(samples: Int = ELBOSettings.defaultSamples, seed: UInt64 = 0, beta: Double = 1, loss: Loss = .mse) {
        self.samples = samples
        self.seed = seed
        self.beta = beta
        self.loss = loss
    }

    /// Nil when valid, else what is wrong, naming the field.
    public var problem: String? {
        guard (1...Self.maximumSamples).contains(samples) else {
            return "samples must be from 1 to \(Self.maximumSamples), got \(samples)"
        }
        guard beta.isFinite, beta >= 0 else { return "beta must be a finite number ≥ 0, got \(beta)" }
        return nil
    }
}

extension Architecture {
    /// Why a model of this architecture cannot be scored with `kind`, or nil when it can.
    public func unavailability(of kind: ScoreKind) -> String? {
        switch kind {
        case .mse:
            return nil
        case .elbo:
            return self.kind != .variational ? "score 'elbo' needs a variational model; this one is a plain autoencoder" : nil
        case .hybrid:
            return latentDimension > LatentDensity.maximumLatent
                ? """
                  score 'hybrid' takes models with latent_dim up to \(LatentDensity.maximumLatent) (its calibration holds a \
                  latent_dim × latent_dim matrix); this one has \(latentDimension)
                  """ : nil
        }
    }
}

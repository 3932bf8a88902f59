// The ELBO objective a model was trained with, as its checkpoint and calibration record it.
import AEMath
import AEModel

extension ELBOSettings {
    /// The metadata keys training writes for the objective of a variational model.
    public static let betaKey = "beta", lossKey = "loss"

    /// Settings for scoring a model: the objective its calibration used, else the one its
    /// metadata records (`beta`, `loss`), else β = 1 and mse; draws and seed as given, else
    /// the calibration's, else the defaults.
    public init(metadata: CheckpointMetadata, calibration: CalibrationSet?, samples: Int? = nil, seed: UInt64? = nil) {
        let calibrated = calibration?[.elbo]?.elbo
        let beta = calibrated?.beta ?? metadata.extra[Self.betaKey].flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        let loss = calibrated?.loss ?? metadata.extra[Self.lossKey].flatMap(Loss.init(rawValue:))
        self.init(samples: samples ?? calibrated?.samples ?? Self.defaultSamples, seed: seed ?? calibrated?.seed ?? 0,
                  beta: beta ?? 1, loss: loss ?? .mse)
    }
}

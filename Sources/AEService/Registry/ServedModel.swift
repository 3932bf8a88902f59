// An immutable loaded model version: a request takes one and runs wholly on it, so a
// swap between versions is atomic for every request.
import AECheckpoint
import AEMath
import AEModel
import Foundation

/// One loaded, servable version of a model.
public struct ServedModel: Sendable {
    /// The model's name (its folder).
    public let name: String
    /// The version number.
    public let version: Int
    /// The weights, immutable; safe to use from many threads.
    public let model: Autoencoder<Float>
    /// What the checkpoint says about its training.
    public let metadata: CheckpointMetadata
    /// SHA-256 of the checkpoint file.
    public let sha256: String
    /// Size of the checkpoint file in bytes.
    public let byteCount: Int
    /// When this process loaded it.
    public let loadedAt: Date
    /// The distribution of its scores on normal data (calibration.json), if it has been calibrated.
    public var calibration: CalibrationSet?
    /// Why its calibration.json cannot be used, when it has one that cannot.
    public var calibrationProblem: String?

    /// The architecture of the model.
    public var architecture: Architecture { model.architecture }
}

// The body of POST /models/{name}/versions/{v}/calibrate: the data to calibrate on (a job's
// dataset, decoded by the same type, so every form a job takes works here too), which score
// kinds, and how ELBO scores are drawn.
import AEData
import AEJSON
import AEMath
import AEModel
import AETraining

/// A parsed calibrate body.
struct CalibrationRequest: Decodable, Sendable {
    /// The data: a path under a data root, an uploaded dataset or inline vectors, with labels
    /// and the classes to keep (the normal ones).
    var dataset: DatasetSpec
    /// The kinds to calibrate (nil: every kind the model offers); kinds not named keep
    /// their current calibration.
    var scores: [ScoreKind]?
    /// ELBO draws, seed and objective, each optional.
    var samples: Int?, seed: UInt64?, beta: Double?, loss: Loss?

    /// Parses `body` strictly: unknown and duplicate fields refused, each error naming its field.
    static func parse(_ body: [UInt8]) throws(APIError) -> CalibrationRequest {
        try decodeStrictJSON(CalibrationRequest.self, from: body)
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case dataset, scores, elbo
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let dataset = try c.decodeIfPresent(DatasetSpec.self, forKey: .dataset) else {
            throw APIError.invalid("missing_field", #"the body needs "dataset": {"path": …}, {"id": …} or {"vectors": [[…]]}"#)
        }
        self.dataset = dataset
        scores = try c.decodeIfPresent([ScoreKind].self, forKey: .scores)
        if scores?.isEmpty == true {
            throw APIError.invalid("invalid_field", "scores is empty; name at least one score kind or leave it out")
        }
        if let elbo = try c.decodeIfPresent(ELBOOptions.self, forKey: .elbo) {
            (samples, seed, beta, loss) = (elbo.samples, elbo.seed, elbo.beta, elbo.loss)
        }
    }

    /// The `elbo` object: each member optional, each range-checked.
    private struct ELBOOptions: Decodable {
        var samples: Int?, seed: UInt64?, beta: Double?, loss: Loss?

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case samples, seed, beta, loss
        }

        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            samples = try c.decodeIfPresent(Int.self, forKey: .samples)
            seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
            beta = try c.decodeIfPresent(Double.self, forKey: .beta)
            loss = try c.decodeIfPresent(Loss.self, forKey: .loss)
            if let samples, !(1...ELBOSettings.maximumSamples).contains(samples) {
                throw APIError.invalid("invalid_field", "elbo.samples must be from 1 to \(ELBOSettings.maximumSamples), got \(samples)")
            }
            if let beta, !(beta >= 0) {
                throw APIError.invalid("invalid_field", "elbo.beta must be ≥ 0, got \(beta)")
            }
        }
    }
}

/// The answer to a calibrate request: the version, its checkpoint's sha256 (unchanged) and its
/// calibration as now served.
struct CalibrationAnswer: Encodable, Sendable {
    var model: ModelReference
    var sha256: String
    var calibration: NullableCalibration

    /// The model and version calibrated.
    struct ModelReference: Encodable, Sendable {
        var name: String
        var version: Int
    }
}

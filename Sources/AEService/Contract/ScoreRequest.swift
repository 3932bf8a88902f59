// The fields /score adds to an inference body: the score kind, the threshold, per-feature
// errors and, for ELBO scores, the draws and their seed.
import AEJSON
import AEModel

/// What a /score body asks for beyond its vectors.
struct ScoreRequest: Sendable {
    /// A threshold a request gives instead of the default calibrated 0.99 quantile.
    enum Threshold: Sendable, Equatable {
        case quantile(Double)
        case value(Double)
    }

    var kind: ScoreKind = .mse
    var threshold: Threshold?
    var featureErrors = false
    var topFeatures: Int?
    var samples: Int?
    var seed: UInt64?

    /// The body keys /score reads besides model, version, vectors and vector.
    static let keys = ["score", "threshold", "feature_errors", "top_features", "samples", "seed"]

    /// Reads the value of `key` (one of `keys`).
    mutating func read(_ key: String, _ scanner: inout JSONScanner) throws {
        switch key {
        case "score":
            let name = try scanner.readString()
            guard let kind = ScoreKind(rawValue: name) else {
                throw APIError.invalid("invalid_field", """
                    score must be one of \(ScoreKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name.prefix(64))'
                    """)
            }
            self.kind = kind
        case "threshold": threshold = try Self.readThreshold(&scanner)
        case "feature_errors": featureErrors = try scanner.readBoolean()
        case "top_features": topFeatures = try scanner.readInteger()
        case "samples": samples = try scanner.readInteger()
        case "seed":
            let value = try scanner.readInteger()
            guard value >= 0 else { throw APIError.invalid("invalid_field", "seed must be a non-negative integer, got \(value)") }
            seed = UInt64(value)
        default:
            try scanner.skipValue()
        }
    }

    /// `{"quantile": q}` or `{"value": x}`, exactly one.
    private static func readThreshold(_ scanner: inout JSONScanner) throws -> Threshold {
        var found: [Threshold] = []
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "quantile": found.append(.quantile(try scanner.readDouble()))
            case "value": found.append(.value(try scanner.readDouble()))
            default:
                throw APIError.invalid("unknown_field", "unknown field 'threshold.\(key.prefix(64))'; threshold takes quantile or value")
            }
        }
        guard found.count == 1, let threshold = found.first else {
            throw APIError.invalid("invalid_field", "threshold takes exactly one of quantile (e.g. 0.99) or value (a score)")
        }
        return threshold
    }

    /// Checks the fields against each other and against the model; throws a 422 naming the field.
    func validate(for served: ServedModel) throws(APIError) {
        if let refusal = APIError.unavailable(kind, for: served) { throw refusal }
        if kind != .elbo && (samples != nil || seed != nil) {
            throw APIError.invalid("invalid_field", "samples and seed apply to score 'elbo' only")
        }
        if let samples, !(1...ELBOSettings.maximumSamples).contains(samples) {
            throw APIError.invalid("invalid_field", "samples must be from 1 to \(ELBOSettings.maximumSamples), got \(samples)")
        }
        let width = served.architecture.inputDimension
        if let topFeatures, !(1...width).contains(topFeatures) {
            throw APIError.invalid("invalid_field", "top_features must be from 1 to \(width) (the model's input_dim), got \(topFeatures)")
        }
        if case .value(let value) = threshold, !value.isFinite {
            throw APIError.invalid("invalid_field", "threshold.value must be a finite number")
        }
    }
}

extension APIError {
    /// The refusal of a score kind `served`'s architecture does not offer (elbo on a plain
    /// autoencoder, hybrid past the latent limit), for /score and calibrate alike; nil when
    /// it offers it.
    static func unavailable(_ kind: ScoreKind, for served: ServedModel) -> APIError? {
        guard let reason = served.architecture.unavailability(of: kind) else { return nil }
        return .invalid(kind == .elbo ? "not_variational" : "score_unavailable",
                        "model '\(served.name)' v\(served.version): \(reason) (use 'mse')")
    }
}

// The answers of GET /models, GET /models/{name} and POST /models/{name}/activate, as Codable
// types encoded once (no JSON text parsed back into dictionaries).
import AECheckpoint
import AEModel
import Foundation

/// One model as /models shows it: the served version, every version number, its architecture.
struct ModelSummary: Encodable, Sendable {
    var name: String
    var version: Int
    var versions: [Int]
    var activated: Bool
    var kind: Architecture.Kind
    var inputDimension: Int
    var latentDimension: Int
    var parameters: Int
    var sha256: String
    var architecture: Architecture
    var training: [String: TrainingFact]
    /// The served version's calibration (calibration.json); null when it has none.
    var calibration: NullableCalibration
    /// Only in GET /models/{name}: each version, loaded or on disk only.
    var versionDetails: [VersionDetail]?

    enum CodingKeys: String, CodingKey {
        case name, version, versions, activated, kind, parameters, sha256, architecture, training, calibration
        case inputDimension = "input_dim", latentDimension = "latent_dim", versionDetails = "version_details"
    }

    /// The served version `served` among `versions`; `activated` when a version is pinned.
    init(_ served: ServedModel, versions: [Int], activated: Bool) {
        let architecture = served.architecture
        name = served.name
        version = served.version
        self.versions = versions
        self.activated = activated
        kind = architecture.kind
        inputDimension = architecture.inputDimension
        latentDimension = architecture.latentDimension
        parameters = served.model.parameterCount
        sha256 = served.sha256
        self.architecture = architecture
        training = TrainingFact.facts(of: served.metadata)
        calibration = NullableCalibration(set: served.calibration)
    }

    /// The model `entry` of a registry snapshot, with its versions' details when `detailed`.
    init(_ entry: RegistryModel, detailed: Bool = false) {
        self.init(entry.active, versions: entry.versions.map(\.version), activated: entry.pinned != nil)
        if detailed { versionDetails = entry.versions.map(VersionDetail.init) }
    }
}

/// One version in GET /models/{name}: its files' facts when loaded; a version past
/// `models.loaded_versions` is on disk only (`loaded: false`) and loads when asked for.
struct VersionDetail: Encodable, Sendable {
    var version: Int
    var loaded: Bool
    var sha256: String?
    var bytes: Int?
    var loadedAt: Date?
    var architecture: Architecture?
    var training: [String: TrainingFact]?
    var calibration: CalibrationSet?

    enum CodingKeys: String, CodingKey {
        case version, loaded, sha256, bytes, architecture, training, calibration
        case loadedAt = "loaded_at"
    }

    init(_ version: RegistryVersion) {
        self.version = version.version
        loaded = version.model != nil
        guard let served = version.model else { return }
        sha256 = served.sha256
        bytes = served.byteCount
        loadedAt = served.loadedAt
        architecture = served.architecture
        training = TrainingFact.facts(of: served.metadata)
        calibration = served.calibration
    }
}

/// GET /models: every served model and the default one.
struct ModelList: Encodable, Sendable {
    var models: [ModelSummary]
    var defaultModel: String

    enum CodingKeys: String, CodingKey {
        case models
        case defaultModel = "default"
    }
}

/// A checkpoint's training fact (epochs, losses, dataset, created_at): numbers as JSON numbers,
/// whole ones as integers, everything else as the text stored.
enum TrainingFact: Encodable, Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case text(String)

    /// The checkpoint metadata's facts, without the format and the architecture (shown apart).
    static func facts(of metadata: CheckpointMetadata) -> [String: TrainingFact] {
        var facts: [String: TrainingFact] = [:]
        for (key, value) in metadata.dictionary where key != "architecture" && key != "format" {
            facts[key] = key == "dataset" ? .text(value) : TrainingFact(value)
        }
        return facts
    }

    /// `value` as a number when it reads as a finite one.
    init(_ value: String) {
        guard let number = Double(value), number.isFinite else {
            self = .text(value)
            return
        }
        // |n| < 1e15 keeps the conversion to Int exact and in range.
        self = number == number.rounded() && abs(number) < 1e15 ? .integer(Int(number)) : .number(number)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

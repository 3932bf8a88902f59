// Where a dataset's class labels come from, as a job or calibrate body spells it: a path under
// the data roots (`"labels": "fashion-mnist/train-labels-idx1-ubyte.gz"`) or an uploaded dataset
// (`"labels": {"id": "ds-…"}`), so a client with no shell on the server can send both files.
import AEModel
import Foundation

/// A labels file under a data root, or an uploaded dataset holding the labels.
public enum LabelSource: Codable, Sendable, Equatable {
    /// A path relative to a configured data root.
    case path(String)
    /// An uploaded dataset's id (`POST /datasets`), one value per row.
    case upload(id: String)

    /// The uploaded dataset's id, when the labels are one.
    public var uploadID: String? {
        if case .upload(let id) = self { return id }
        return nil
    }

    /// How the labels are named in messages and calibration sources.
    public var displayName: String {
        switch self {
        case .path(let path): URL(fileURLWithPath: path).lastPathComponent
        case .upload(let id): id
        }
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id
    }

    public init(from decoder: Decoder) throws {
        if let path = try? decoder.singleValueContainer().decode(String.self) {
            self = .path(path)
            return
        }
        guard (try? decoder.container(keyedBy: CodingKeys.self)) != nil else {
            throw DecodingError.typeMismatch(LabelSource.self, DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "expected a path under a data root or {\"id\": …} naming an uploaded dataset"))
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        self = .upload(id: try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .id))
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .path(let path):
            var container = encoder.singleValueContainer()
            try container.encode(path)
        case .upload(let id):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
        }
    }
}

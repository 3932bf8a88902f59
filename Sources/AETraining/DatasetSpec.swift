// Where a run's data comes from, as the `dataset` object of a train-job body spells it: a file
// under the data roots, an uploaded dataset, or inline vectors.
import AEData
import Foundation

/// Where a job's data comes from: a file under the data roots, an uploaded dataset, or inline vectors.
public struct DatasetSpec: Codable, Sendable, Equatable {
    /// A path relative to a configured data root.
    public var path: String?
    /// The format when the name does not tell.
    public var format: DatasetFormat?
    /// Inline samples.
    public var vectors: [[Float]]?
    /// Use only the first `limit` samples.
    public var limit: Int?
    /// An uploaded dataset's id (`POST /datasets`).
    public var id: String?

    /// A dataset specification.
    public init(path: String? = nil, format: DatasetFormat? = nil, vectors: [[Float]]? = nil, limit: Int? = nil,
                id: String? = nil) {
        self.path = path
        self.format = format
        self.vectors = vectors
        self.limit = limit
        self.id = id
    }

    /// Set in an encoder's `userInfo` to write inline vectors; otherwise only their count is
    /// written, so job answers and the per-epoch job file stay small.
    public static let includesVectors = CodingUserInfoKey(rawValue: "aeserve.includesVectors")!

    /// How the dataset is named in checkpoint metadata and logs.
    public var displayName: String {
        path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? id ?? "inline"
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, vectors, limit, id
        /// Written instead of the vectors (see `includesVectors`); read back, it is ignored.
        case vectorCount = "vector_count"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        format = try c.decodeIfPresent(DatasetFormat.self, forKey: .format)
        vectors = try c.decodeIfPresent([[Float]].self, forKey: .vectors)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        id = try c.decodeIfPresent(String.self, forKey: .id)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(limit, forKey: .limit)
        try c.encodeIfPresent(id, forKey: .id)
        guard let vectors else { return }
        if encoder.userInfo[Self.includesVectors] as? Bool == true {
            try c.encode(vectors, forKey: .vectors)
        } else {
            try c.encode(vectors.count, forKey: .vectorCount)
        }
    }
}

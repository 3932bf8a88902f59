// Where a run's data comes from, as the `dataset` object of a train-job body spells it: a file
// under the data roots, an uploaded dataset, or inline vectors; labels and classes keep the samples
// of some classes.
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
    /// Use only the first `limit` samples (after `classes`).
    public var limit: Int?
    /// An uploaded dataset's id (`POST /datasets`).
    public var id: String?
    /// Class labels, one per sample (IDX labels, NPY integers, a CSV column): a file under a data
    /// root or an uploaded dataset.
    public var labels: LabelSource?
    /// The CSV column of the labels when the file has several.
    public var labelColumn: LabelColumn?
    /// Keep only the samples whose label is one of these (needs `labels`).
    public var classes: [Int]?

    /// A dataset specification.
    public init(path: String? = nil, format: DatasetFormat? = nil, vectors: [[Float]]? = nil, limit: Int? = nil,
                id: String? = nil, labels: LabelSource? = nil, labelColumn: LabelColumn? = nil, classes: [Int]? = nil) {
        self.path = path
        self.format = format
        self.vectors = vectors
        self.limit = limit
        self.id = id
        self.labels = labels
        self.labelColumn = labelColumn
        self.classes = classes
    }

    /// Set in an encoder's `userInfo` to write inline vectors; otherwise only their count is
    /// written, so job answers and the per-epoch job file stay small.
    public static let includesVectors = CodingUserInfoKey(rawValue: "aeserve.includesVectors")!

    /// The uploaded datasets this one reads (its samples, its labels): a job holds them.
    public var uploadIDs: [String] {
        [id, labels?.uploadID].compactMap { $0 }
    }

    /// How the dataset is named in checkpoint metadata and logs.
    public var displayName: String {
        path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? id ?? "inline"
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, vectors, limit, id, labels, classes
        case labelColumn = "label_column"
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
        labels = try c.decodeIfPresent(LabelSource.self, forKey: .labels)
        classes = try c.decodeIfPresent([Int].self, forKey: .classes)
        // A column number or a header name.
        if let index = try? c.decodeIfPresent(Int.self, forKey: .labelColumn) {
            labelColumn = .index(index)
        } else if let name = try c.decodeIfPresent(String.self, forKey: .labelColumn) {
            labelColumn = .name(name)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(limit, forKey: .limit)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(labels, forKey: .labels)
        try c.encodeIfPresent(classes, forKey: .classes)
        switch labelColumn {
        case .index(let index): try c.encode(index, forKey: .labelColumn)
        case .name(let name): try c.encode(name, forKey: .labelColumn)
        case nil: break
        }
        guard let vectors else { return }
        if encoder.userInfo[Self.includesVectors] as? Bool == true {
            try c.encode(vectors, forKey: .vectors)
        } else {
            try c.encode(vectors.count, forKey: .vectorCount)
        }
    }
}

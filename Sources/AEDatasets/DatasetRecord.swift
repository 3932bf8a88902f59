// An uploaded dataset as the API shows it and the store keeps it beside its file.
import AEData
import Foundation

/// What the store knows of one uploaded dataset.
public struct DatasetRecord: Codable, Sendable, Equatable {
    /// The server-made identifier (`ds-` and 16 hex digits), used in URLs and job bodies.
    public var id: String
    /// A label the client chose (the id when it gave none); never used as a path.
    public var name: String
    /// The file format (told from the content or given at upload).
    public var format: DatasetFormat
    /// `gzip` when the file was uploaded gzipped (it is stored as it came), else nil.
    public var compression: String?
    /// Samples.
    public var rows: Int
    /// Features per sample.
    public var dims: Int
    /// The array's shape as the file gives it (`[10000, 28, 28]`).
    public var shape: [Int]
    /// The stored element type (CSV: float32).
    public var dtype: ElementType
    /// Bytes stored: the file as uploaded.
    public var bytes: Int
    /// SHA-256 of the stored file, the same `sha256sum` prints for the file uploaded.
    public var sha256: String
    /// When the upload completed.
    public var createdAt: Date
    /// The `Idempotency-Key` of the upload that made it.
    public var idempotencyKey: String?
    /// Upload order: a later upload has a larger number (listings are newest first).
    public var sequence: Int

    enum CodingKeys: String, CodingKey {
        case id, name, format, compression, rows, dims, shape, dtype, bytes, sha256, sequence
        case createdAt = "created_at"
        case idempotencyKey = "idempotency_key"
    }

    /// Set in an encoder's `userInfo` to write the store's bookkeeping (`sequence`), which the
    /// API leaves out.
    public static let includesBookkeeping = CodingUserInfoKey(rawValue: "aeserve.datasetBookkeeping")!

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(format, forKey: .format)
        try c.encodeIfPresent(compression, forKey: .compression)
        try c.encode(rows, forKey: .rows)
        try c.encode(dims, forKey: .dims)
        try c.encode(shape, forKey: .shape)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        if encoder.userInfo[Self.includesBookkeeping] as? Bool == true { try c.encode(sequence, forKey: .sequence) }
    }
}

/// An uploaded dataset's file, as training and calibration read it.
public struct StoredDataset: Sendable {
    /// The dataset's record.
    public var record: DatasetRecord
    /// The file, as uploaded (gzip when `record.compression` says so; loaders tell by content).
    public var url: URL
    /// The file's format.
    public var format: DatasetFormat { record.format }
}

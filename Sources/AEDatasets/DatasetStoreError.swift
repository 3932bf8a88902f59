// Why the dataset store refused: each case says what a client can do about it, and the
// endpoint layer maps it to a status.
import AEData

/// A refusal or failure of the dataset store.
public enum DatasetStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No dataset has this id.
    case notFound(id: String)
    /// Jobs that are queued or running use the dataset.
    case inUse(id: String, holders: [String])
    /// One upload is over `datasets.max_upload_bytes` (declared, sent, or once inflated).
    case uploadTooLarge(bytes: Int, limit: Int)
    /// A gzip upload inflates past `datasets.max_upload_bytes`.
    case inflatedTooLarge(limit: Int)
    /// Stored and incoming bytes together pass `datasets.quota_bytes`.
    case quotaExceeded(stored: Int, incoming: Int, quota: Int)
    /// As many datasets as `datasets.max_count` allows are stored or arriving.
    case countExceeded(count: Int, limit: Int)
    /// As many uploads as `datasets.max_concurrent_uploads` allows are under way.
    case tooManyUploads(limit: Int)
    /// The file is not a valid dataset.
    case invalidData(DataError)
    /// The `Idempotency-Key` made another dataset, from a different file.
    case idempotencyKeyReused(key: String, id: String)
    /// An upload with this `Idempotency-Key` is under way.
    case idempotencyKeyInFlight(key: String)
    /// The upload ended before the whole file arrived.
    case incomplete(received: Int)
    /// The disk refused (full, read-only, permissions).
    case storage(path: String, operation: String, reason: String, full: Bool)


    public var description: String {
        switch self {
        case .notFound(let id):
            "no dataset '\(id)'"
        case let .inUse(id, holders):
            "dataset '\(id)' is used by \(holders.count == 1 ? "job" : "jobs") \(holders.joined(separator: ", ")) "
                + "(queued or running); cancel \(holders.count == 1 ? "it" : "them") or wait until \(holders.count == 1 ? "it ends" : "they end")"
        case let .uploadTooLarge(bytes, limit):
            "the upload is \(bytes) bytes or more; the limit is \(limit) bytes (setting datasets.max_upload_bytes)"
        case .inflatedTooLarge(let limit):
            "the gzip file inflates to more than \(limit) bytes; the limit is \(limit) bytes (setting datasets.max_upload_bytes)"
        case let .quotaExceeded(stored, incoming, quota):
            "storing \(incoming) more bytes beside the \(stored) stored would pass the quota of \(quota) bytes "
                + "(setting datasets.quota_bytes); delete datasets first"
        case let .countExceeded(count, limit):
            "\(count) datasets are stored or arriving; the limit is \(limit) (setting datasets.max_count); delete datasets first"
        case .tooManyUploads(let limit):
            "\(limit) uploads are under way, the limit (setting datasets.max_concurrent_uploads); retry when one ends"
        case .invalidData(let error):
            error.description
        case let .idempotencyKeyReused(key, id):
            "Idempotency-Key '\(key)' made dataset \(id) from a different file; use a new key for a new upload"
        case .idempotencyKeyInFlight(let key):
            "an upload with Idempotency-Key '\(key)' is under way; retry once it has ended"
        case .incomplete(let received):
            "the upload ended after \(received) bytes, before the whole file arrived"
        case let .storage(path, operation, reason, _):
            "cannot \(operation) \(path): \(reason)"
        }
    }
}

// One upload under way: its bytes are counted against the limits, hashed, checked by the
// format's parser and written to a hidden folder; only `finish` makes them a dataset.
import AECheckpoint
import AEData
import Foundation

/// An upload in progress. Feed it the file with `write`, then `finish`; dropped or failed,
/// it removes what it wrote.
public final class DatasetUpload {
    private let store: DatasetStore
    /// The store's handle on this upload (nil when replaying: nothing is stored).
    private let token: UUID?
    /// The dataset an earlier upload with the same `Idempotency-Key` made.
    private let replaying: DatasetRecord?
    private let name: String?
    private let idempotencyKey: String?
    private let folder: URL?
    private var file: UploadFile?
    private let hasher = SHA256Hasher()
    private var stream: DatasetStream
    /// Bytes received so far, and how many of them the quota holds for this upload.
    public private(set) var received = 0
    private var reserved = 0
    private var ended = false

    /// An upload that will be stored (see `DatasetStore.beginUpload`).
    init(store: DatasetStore, token: UUID, name: String?, format: DatasetFormat?, idempotencyKey: String?)
        throws(DatasetStoreError)
    {
        self.store = store
        self.token = token
        self.replaying = nil
        self.name = name
        self.idempotencyKey = idempotencyKey
        let folder = store.newUploadFolder()
        self.folder = folder
        stream = DatasetStream(source: "upload", format: format, maxInflatedBytes: store.settings.maxUploadBytes)
        try FileCalls.makeDirectory(folder.path)
        file = try UploadFile(creating: folder.appendingPathComponent(DatasetCatalog.dataFileName).path)
    }

    /// An upload whose key already made `existing`: only hashed, to tell a retry from a misuse.
    init(store: DatasetStore, token: UUID?, replaying existing: DatasetRecord, name: String?, format: DatasetFormat?,
         idempotencyKey: String?) {
        self.store = store
        self.token = token
        self.replaying = existing
        self.name = name
        self.idempotencyKey = idempotencyKey
        folder = nil
        stream = DatasetStream(source: "upload", format: format, maxInflatedBytes: store.settings.maxUploadBytes)
    }

    deinit { abandon() }

    /// Takes the next bytes of the file; throws (and abandons the upload) when they break a
    /// limit or cannot belong to a valid dataset.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetStoreError) {
        precondition(!ended, "DatasetUpload.write after the upload ended")
        do throws(DatasetStoreError) {
            let limit = store.settings.maxUploadBytes
            received += bytes.count
            guard received <= limit else { throw .uploadTooLarge(bytes: received, limit: limit) }
            hasher.update(bytes)
            guard replaying == nil else { return }
            if let token, received > reserved {
                // Grown ahead in steps, so the store's lock is taken rarely.
                reserved = try store.reserve(token, needed: received, preferred: min(reserved + (64 << 20), limit))
            }
            do { try stream.consume(bytes) } catch { throw refusal(error) }
            try file?.write(bytes)
        } catch {
            abandon()
            throw error
        }
    }

    /// The file is complete: checks it, then stores it as a new dataset. For a replayed key it
    /// returns the first dataset (`replayed`) when this is the same file.
    public func finish() throws(DatasetStoreError) -> (record: DatasetRecord, replayed: Bool) {
        precondition(!ended, "DatasetUpload.finish after the upload ended")
        defer { abandon() }
        let sha256 = hasher.finalHex()
        if let existing = replaying {
            guard existing.sha256 == sha256, existing.bytes == received else {
                throw .idempotencyKeyReused(key: idempotencyKey ?? "", id: existing.id)
            }
            return (existing, true)
        }
        let layout: DatasetLayout
        do { layout = try stream.finish() } catch { throw refusal(error) }
        guard let token, let folder, let file else { preconditionFailure("a stored upload has a folder and a file") }
        try file.syncAndClose()
        self.file = nil
        let compressed = stream.isGzip
        let bytes = received
        let record = try store.commit(token, folder: folder) { id, sequence in
            DatasetRecord(id: id, name: name ?? id, format: layout.format, compression: compressed ? "gzip" : nil,
                          rows: layout.rows, dims: layout.dimension, shape: layout.shape, dtype: layout.elementType,
                          bytes: bytes, sha256: sha256, createdAt: Self.now(), idempotencyKey: idempotencyKey,
                          sequence: sequence)
        }
        ended = true
        return (record, false)
    }

    /// Stops the upload and removes what it wrote (nothing once it is stored).
    public func abandon() {
        guard !ended else { return }
        ended = true
        file?.close()
        file = nil
        if let folder { try? FileManager.default.removeItem(at: folder) }
        if let token { store.endUpload(token) }
    }

    /// Writes `record` into the upload's folder and makes it durable, before the folder is
    /// renamed into place.
    static func writeRecord(_ record: DatasetRecord, into folder: URL) throws(DatasetStoreError) {
        let bytes: Data
        do { bytes = try DatasetStore.encoder.encode(record) } catch {
            preconditionFailure("a DatasetRecord always encodes: \(error)")
        }
        let url = folder.appendingPathComponent(DatasetCatalog.recordFileName)
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            let reason = if case let .fileSystem(_, _, reason) = error { reason } else { "\(error)" }
            throw .storage(path: url.path, operation: "write", reason: reason, full: reason == String(cString: strerror(ENOSPC)))
        }
    }

    /// Now, to the second: the record's ISO 8601 time reads back to the same date.
    private static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    /// A parser's refusal as the store's: over the limit once inflated is a 413, the rest 422.
    private func refusal(_ error: DataError) -> DatasetStoreError {
        error.kind == .tooLarge ? .inflatedTooLarge(limit: store.settings.maxUploadBytes) : .invalidData(error)
    }
}

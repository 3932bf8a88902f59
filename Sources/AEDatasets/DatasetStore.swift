// Uploaded datasets on disk: one folder per dataset under `datasets.folder`, holding the file
// as it came and its record. An upload is built in a hidden folder and renamed into place
// only when complete and valid, so a crash leaves a dataset whole or not at all.
import AEData
import Foundation
import Synchronization

/// The limits of the dataset store.
public struct DatasetStoreSettings: Sendable, Equatable {
    /// Where datasets are kept.
    public var folder: URL
    /// Largest upload, as sent and once inflated (`datasets.max_upload_bytes`).
    public var maxUploadBytes: Int = 2 << 30
    /// Bytes all datasets may take together (`datasets.quota_bytes`).
    public var quotaBytes: Int = 20 << 30
    /// Datasets that may be stored (`datasets.max_count`).
    public var maxCount: Int = 1000
    /// Uploads that may run at once (`datasets.max_concurrent_uploads`).
    public var maxConcurrentUploads: Int = 2

    /// Settings for a store in `folder`, with the defaults.
    public init(folder: URL) { self.folder = folder }
}

/// Uploaded datasets: stores, lists, finds and deletes them.
public final class DatasetStore: Sendable {
    /// The store's limits.
    public let settings: DatasetStoreSettings
    private let state = Mutex(State())
    private let onEvent: @Sendable (DatasetStoreEvent) -> Void
    private let catalog: DatasetCatalog

    private struct State {
        var records: [String: DatasetRecord] = [:]
        /// Uploads under way: bytes reserved against the quota, and their idempotency keys.
        var uploads: [UUID: (reserved: Int, key: String?)] = [:]
        /// Ids taken by uploads being moved into place.
        var committing: Set<String> = []
        var nextSequence = 1
        var storedBytes: Int { records.values.reduce(0) { $0 + $1.bytes } }
        var reservedBytes: Int { uploads.values.reduce(0) { $0 + $1.reserved } }
    }

    /// Names under the folder of an upload under way and of a dataset being deleted.
    static let uploadPrefix = ".upload-"
    static let deletingPrefix = ".deleting-"

    /// Opens the store in `settings.folder` (created when missing): removes what interrupted
    /// uploads and deletions left behind, and loads the records of the datasets there.
    public init(settings: DatasetStoreSettings, onEvent: @escaping @Sendable (DatasetStoreEvent) -> Void = { _ in }) throws {
        self.settings = settings
        self.onEvent = onEvent
        catalog = DatasetCatalog(folder: settings.folder)
        let folder = settings.folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var loaded: [String: DatasetRecord] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            if name.hasPrefix(Self.uploadPrefix) || name.hasPrefix(Self.deletingPrefix) {
                // Left by a process that stopped mid-upload or mid-delete (kill -9, power loss).
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
                onEvent(.removedLeftover(name: name))
                continue
            }
            guard DatasetCatalog.isValidID(name) else { continue }
            do throws(DatasetStoreError) {
                loaded[name] = try catalog.lookup(name).record
            } catch {
                onEvent(.skipped(name: name, reason: error.description))
            }
        }
        state.withLock { state in
            state.records = loaded
            state.nextSequence = (loaded.values.map(\.sequence).max() ?? 0) + 1
        }
    }

    /// Every dataset, newest first.
    public func list() -> [DatasetRecord] {
        state.withLock { $0.records.values.sorted { $0.sequence > $1.sequence } }
    }

    /// The record of dataset `id`.
    public func record(_ id: String) throws(DatasetStoreError) -> DatasetRecord {
        guard let record = state.withLock({ $0.records[id] }) else { throw .notFound(id: DatasetCatalog.quoted(id)) }
        return record
    }

    /// Dataset `id`'s record and file, for reading.
    public func lookup(_ id: String) throws(DatasetStoreError) -> StoredDataset {
        StoredDataset(record: try record(id), url: catalog.dataURL(id))
    }

    /// Deletes dataset `id`, unless `usedBy` names jobs that use it (asked under the store's
    /// lock, so no lookup finds the dataset between the question and its removal); returns
    /// its record.
    public func delete(_ id: String, usedBy: () -> [String] = { [] }) throws(DatasetStoreError) -> DatasetRecord {
        let result: Result<DatasetRecord, DatasetStoreError> = state.withLock { state in
            guard let record = state.records[id] else { return .failure(.notFound(id: DatasetCatalog.quoted(id))) }
            let holders = usedBy()
            if !holders.isEmpty { return .failure(.inUse(id: id, holders: holders.sorted())) }
            // From here no reader or pin finds it; the files go outside the lock.
            state.records[id] = nil
            return .success(record)
        }
        let record = try result.get()
        let doomed = settings.folder.appendingPathComponent(Self.deletingPrefix + id)
        do throws(DatasetStoreError) {
            // One rename makes it disappear whole; a crash after it leaves a folder the next
            // start removes.
            try FileCalls.rename(catalog.folderURL(id).path, to: doomed.path)
            try FileCalls.syncDirectory(settings.folder.path)
        } catch {
            state.withLock { $0.records[id] = record }
            throw error
        }
        try? FileManager.default.removeItem(at: doomed)
        onEvent(.deleted(record))
        return record
    }

    /// Begins an upload, refusing it before any byte is written when the limits already say
    /// no: `declaredLength` (nil when unknown) against the upload limit and the quota, the
    /// dataset count, the concurrent uploads. A key already used replays: the file is only
    /// hashed, and `finish` returns the first dataset if it is the same file.
    public func beginUpload(name: String?, format: DatasetFormat?, declaredLength: Int?,
                            idempotencyKey: String?) throws(DatasetStoreError) -> DatasetUpload {
        if let declaredLength, declaredLength > settings.maxUploadBytes {
            throw .uploadTooLarge(bytes: declaredLength, limit: settings.maxUploadBytes)
        }
        let token = UUID()
        let replay: Result<DatasetRecord?, DatasetStoreError> = state.withLock { state in
            if let key = idempotencyKey {
                if let existing = state.records.values.first(where: { $0.idempotencyKey == key }) {
                    return .success(existing)  // hashed only: no slot, quota or count needed
                }
                if state.uploads.values.contains(where: { $0.key == key }) { return .failure(.idempotencyKeyInFlight(key: key)) }
            }
            guard state.uploads.count < settings.maxConcurrentUploads else {
                return .failure(.tooManyUploads(limit: settings.maxConcurrentUploads))
            }
            let count = state.records.count + state.uploads.count
            guard count < settings.maxCount else { return .failure(.countExceeded(count: count, limit: settings.maxCount)) }
            let stored = state.storedBytes + state.reservedBytes
            let incoming = declaredLength ?? 0
            guard stored + incoming <= settings.quotaBytes else {
                return .failure(.quotaExceeded(stored: stored, incoming: incoming, quota: settings.quotaBytes))
            }
            state.uploads[token] = (incoming, idempotencyKey)
            return .success(nil)
        }
        if let existing = try replay.get() {
            return DatasetUpload(store: self, token: nil, replaying: existing, name: name, format: format,
                                 idempotencyKey: idempotencyKey)
        }
        do {
            return try DatasetUpload(store: self, token: token, name: name, format: format, idempotencyKey: idempotencyKey)
        } catch {
            endUpload(token)
            throw error
        }
    }

    // MARK: - For DatasetUpload

    /// Grows upload `token`'s reservation to `preferred` bytes, or as much of it as the quota
    /// leaves, but never less than `needed`; returns what it holds now.
    func reserve(_ token: UUID, needed: Int, preferred: Int) throws(DatasetStoreError) -> Int {
        let result: Result<Int, DatasetStoreError> = state.withLock { state in
            guard let upload = state.uploads[token] else { return .success(needed) }
            guard needed > upload.reserved else { return .success(upload.reserved) }
            let others = state.storedBytes + state.reservedBytes - upload.reserved
            guard others + needed <= settings.quotaBytes else {
                return .failure(.quotaExceeded(stored: others, incoming: needed, quota: settings.quotaBytes))
            }
            let granted = max(needed, min(preferred, settings.quotaBytes - others))
            state.uploads[token]?.reserved = granted
            return .success(granted)
        }
        return try result.get()
    }

    /// Moves the finished upload's folder into place under a new id and records it. The id and
    /// the sequence number are taken under the lock; the files are written outside it.
    func commit(_ token: UUID, folder: URL, record make: (String, Int) -> DatasetRecord) throws(DatasetStoreError)
        -> DatasetRecord
    {
        let (id, sequence) = state.withLock { state in
            var id = DatasetCatalog.newID()
            while state.records[id] != nil || state.committing.contains(id) { id = DatasetCatalog.newID() }
            state.committing.insert(id)
            defer { state.nextSequence += 1 }
            return (id, state.nextSequence)
        }
        let record = make(id, sequence)
        do throws(DatasetStoreError) {
            try DatasetUpload.writeRecord(record, into: folder)
            // The rename is the commit; syncing the folder makes it durable before the client hears of it.
            try FileCalls.rename(folder.path, to: catalog.folderURL(id).path)
            try FileCalls.syncDirectory(settings.folder.path)
        } catch {
            _ = state.withLock { $0.committing.remove(id) }
            throw error
        }
        state.withLock { state in
            state.committing.remove(id)
            state.records[id] = record
            state.uploads[token] = nil
        }
        onEvent(.stored(record))
        return record
    }

    /// Forgets upload `token` (finished, failed or abandoned).
    func endUpload(_ token: UUID) {
        _ = state.withLock { $0.uploads.removeValue(forKey: token) }
    }

    /// The hidden folder a new upload is built in.
    func newUploadFolder() -> URL {
        settings.folder.appendingPathComponent(Self.uploadPrefix + String(UInt64.random(in: .min ... .max), radix: 16))
    }

    /// Writes records as the store keeps them, bookkeeping included.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.userInfo[DatasetRecord.includesBookkeeping] = true
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

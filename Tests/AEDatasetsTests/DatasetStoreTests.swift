import AECheckpoint
import AEData
@testable import AEDatasets
import Compression
import Foundation
import Testing

/// A store in a fresh folder, removed afterwards.
private func withStore<T>(_ configure: (inout DatasetStoreSettings) -> Void = { _ in },
                          _ body: (DatasetStore, URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    var settings = DatasetStoreSettings(folder: folder)
    configure(&settings)
    return try body(try DatasetStore(settings: settings), folder)
}

/// Uploads `bytes` in chunks of `chunk` bytes.
private func upload(_ store: DatasetStore, _ bytes: [UInt8], chunk: Int = 1000, name: String? = nil,
                    format: DatasetFormat? = nil, declared: Int? = nil, key: String? = nil) throws(DatasetStoreError)
    -> (record: DatasetRecord, replayed: Bool)
{
    let upload = try store.beginUpload(name: name, format: format, declaredLength: declared, idempotencyKey: key)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try write(upload, Array(bytes[start ..< end]))
        start = end
    }
    return try upload.finish()
}

/// Writes `bytes` to `upload` (withUnsafeBytes rethrows untyped errors; the typed one travels in a Result).
private func write(_ upload: DatasetUpload, _ bytes: [UInt8]) throws(DatasetStoreError) {
    try bytes.withUnsafeBytes { raw in Result { () throws(DatasetStoreError) in try upload.write(raw) } }.get()
}

/// What the folder holds besides finished datasets (temporary and half-deleted entries).
private func leftovers(_ folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? ["unreadable"]).filter { !DatasetCatalog.isValidID($0) }
}

/// Expects `body` to fail with an error for which `matches` holds.
private func expectRefusal(_ matches: (DatasetStoreError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a refusal, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DatasetStoreError {
        #expect(matches(error), "unexpected refusal: \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a DatasetStoreError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// Three 2×2 uint8 images as IDX.
private let images: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 51, 102, 255, 1, 2, 3, 4, 250, 251, 252, 253]

@Suite struct DatasetStoreTests {
    @Test("an upload in chunks becomes a dataset with its layout, size and sha256, and survives a reopen")
    func storesAndReopens() throws {
        try withStore { store, folder in
            let (record, replayed) = try upload(store, images, chunk: 5, name: "tiny images")
            #expect(!replayed)
            #expect(DatasetCatalog.isValidID(record.id))
            #expect(record.name == "tiny images" && record.format == .idx && record.compression == nil)
            #expect(record.rows == 3 && record.dims == 4 && record.shape == [3, 2, 2] && record.dtype == .uint8)
            #expect(record.bytes == images.count && record.sha256 == SHA256Digest.hex(of: images))
            let stored = try store.lookup(record.id)
            #expect(try Data(contentsOf: stored.url) == Data(images))
            #expect(leftovers(folder).isEmpty)
            let reopened = try DatasetStore(settings: store.settings)
            #expect(reopened.list() == [record])
        }
    }

    @Test("a gzip upload is told by its content, stored as sent and described by what it inflates to")
    func gzipByContent() throws {
        try withStore { store, _ in
            let csv = Array("a,b,c\n1,2,3\n4,5,6\n".utf8)
            let gz = Gzip.compress(csv)
            let record = try upload(store, gz, chunk: 7).record
            #expect(record.format == .csv && record.compression == "gzip" && record.rows == 2 && record.dims == 3)
            #expect(record.bytes == gz.count && record.sha256 == SHA256Digest.hex(of: gz))
        }
    }

    @Test("bad files are refused naming where, and leave nothing behind")
    func refusesBadFiles() throws {
        try withStore { store, folder in
            let cases: [(String, [UInt8], DataError.Kind, String)] = [
                ("truncated", Array(images.dropLast(3)), .truncated, "found 9"),
                ("ragged", Array("1,2\n3\n".utf8), .ragged, "line 2"),
                ("non-numeric", Array("1,2\n3,x\n".utf8), .malformed, "line 2, column 2"),
                ("NaN", Array("1,2\n3,nan\n".utf8), .nonFinite, "line 2, column 2"),
                ("unknown", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0, 0, 0], .unsupported, "byte 0: cannot tell the format"),
                ("zip", [0x50, 0x4B, 3, 4, 0, 0, 0, 0], .unsupported, "cannot tell the format"),
                ("empty", [], .empty, "empty"),
                ("truncated gzip", Array(Gzip.compress(images).dropLast(4)), .truncated, "truncated"),
            ]
            for (label, bytes, kind, fragment) in cases {
                expectRefusal({
                    guard case .invalidData(let error) = $0 else { return false }
                    return error.kind == kind && error.description.contains(fragment)
                }) { _ = try upload(store, bytes, chunk: 3) }
                #expect(leftovers(folder).isEmpty, "\(label) left files")
            }
            // With the format given, a wrong magic is named at its byte.
            expectRefusal({ $0.description.contains("byte 0") && $0.description.contains("NPY magic") }) {
                _ = try upload(store, [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x58, 1, 0, 0, 0], format: .npy)
            }
            expectRefusal({ $0.description.contains("byte 0") && $0.description.contains("IDX magic") }) {
                _ = try upload(store, [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], format: .idx)
            }
            #expect(store.list().isEmpty)
        }
    }

    @Test("an upload dropped midway leaves nothing and frees its slot")
    func abandoned() throws {
        try withStore({ $0.maxConcurrentUploads = 1 }) { store, folder in
            do {
                let upload = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: nil)
                try write(upload, Array(images.prefix(10)))
                #expect(leftovers(folder).count == 1)
            }
            #expect(leftovers(folder).isEmpty)
            _ = try upload(store, images)
        }
    }

    @Test("what an interrupted upload or deletion left is removed when the store opens")
    func removesLeftovers() throws {
        try withStore { store, folder in
            let record = try upload(store, images).record
            for name in [".upload-1234", ".deleting-ds-0000000000000001"] {
                try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: false)
                try Data([1, 2, 3]).write(to: folder.appendingPathComponent(name).appendingPathComponent("data"))
            }
            let reopened = try DatasetStore(settings: store.settings)
            #expect(leftovers(folder).isEmpty)
            #expect(reopened.list().map(\.id) == [record.id])
        }
    }

    @Test("the upload limit refuses a declared length before any byte, and a stream when it passes")
    func uploadLimit() throws {
        try withStore({ $0.maxUploadBytes = 20 }) { store, folder in
            expectRefusal({ $0 == .uploadTooLarge(bytes: 21, limit: 20) }) {
                _ = try store.beginUpload(name: nil, format: nil, declaredLength: 21, idempotencyKey: nil)
            }
            expectRefusal({ if case .uploadTooLarge = $0 { true } else { false } }) { _ = try upload(store, images) }
            #expect(leftovers(folder).isEmpty)
        }
        try withStore({ $0.maxUploadBytes = 1000 }) { store, folder in
            // A small gzip file that inflates past the limit.
            expectRefusal({ $0 == .inflatedTooLarge(limit: 1000) }) {
                _ = try upload(store, Gzip.compress(Array(repeating: UInt8(ascii: "1"), count: 5000)))
            }
            #expect(leftovers(folder).isEmpty)
            #expect(DatasetStoreError.uploadTooLarge(bytes: 21, limit: 20).description.contains("datasets.max_upload_bytes"))
        }
    }

    @Test("the quota refuses a declared length up front and a stream when it passes; the count limit too")
    func quotaAndCount() throws {
        try withStore({ $0.quotaBytes = 40; $0.maxCount = 2 }) { store, folder in
            _ = try upload(store, images)  // 28 bytes
            expectRefusal({ $0 == .quotaExceeded(stored: 28, incoming: 13, quota: 40) }) {
                _ = try store.beginUpload(name: nil, format: nil, declaredLength: 13, idempotencyKey: nil)
            }
            expectRefusal({ if case .quotaExceeded = $0 { true } else { false } }) { _ = try upload(store, images) }
            #expect(leftovers(folder).isEmpty)
            _ = try upload(store, Array("1\n".utf8))
            expectRefusal({ $0 == .countExceeded(count: 2, limit: 2) }) { _ = try upload(store, Array("2\n".utf8)) }
            #expect(DatasetStoreError.quotaExceeded(stored: 1, incoming: 1, quota: 1).description.contains("datasets.quota_bytes"))
            #expect(DatasetStoreError.countExceeded(count: 1, limit: 1).description.contains("datasets.max_count"))
        }
    }

    @Test("concurrent uploads past the cap are refused until one ends")
    func concurrencyCap() throws {
        try withStore({ $0.maxConcurrentUploads = 2 }) { store, _ in
            let first = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: nil)
            let second = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: nil)
            expectRefusal({ $0 == .tooManyUploads(limit: 2) }) {
                _ = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: nil)
            }
            first.abandon()
            _ = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: nil)
            second.abandon()
        }
    }

    @Test("a dataset a job uses cannot be deleted, naming the job; unused it goes, files and all")
    func deleteInUse() throws {
        try withStore { store, folder in
            let record = try upload(store, images).record
            expectRefusal({ $0 == .inUse(id: record.id, holders: ["job-1", "job-2"]) }) {
                _ = try store.delete(record.id, usedBy: { ["job-2", "job-1"] })
            }
            #expect(try store.lookup(record.id).record == record)
            #expect(try store.delete(record.id, usedBy: { [] }) == record)
            #expect(store.list().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            expectRefusal({ $0 == .notFound(id: record.id) }) { _ = try store.lookup(record.id) }
        }
    }

    @Test("a repeated Idempotency-Key returns the first dataset for the same file and refuses another file")
    func idempotency() throws {
        try withStore { store, _ in
            let first = try upload(store, images, key: "k1").record
            let again = try upload(store, images, chunk: 3, key: "k1")
            #expect(again.replayed && again.record == first)
            expectRefusal({ $0 == .idempotencyKeyReused(key: "k1", id: first.id) }) {
                _ = try upload(store, Array("1\n".utf8), key: "k1")
            }
            let open = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: "k2")
            expectRefusal({ $0 == .idempotencyKeyInFlight(key: "k2") }) {
                _ = try store.beginUpload(name: nil, format: nil, declaredLength: nil, idempotencyKey: "k2")
            }
            open.abandon()
            #expect(store.list().count == 1)
        }
    }

    @Test("only the store's own ids reach the file system: anything else is unknown")
    func idsAreNeverPaths() throws {
        try withStore { store, _ in
            for id in ["../datasets", "/etc/passwd", "ds-../../x", "DS-0123456789ABCDEF", String(repeating: "a", count: 10_000)] {
                expectRefusal({ if case .notFound = $0 { true } else { false } }) { _ = try store.lookup(id) }
                expectRefusal({ if case .notFound = $0 { true } else { false } }) { _ = try store.delete(id) }
            }
            expectRefusal({ $0.description.count < 200 }) { _ = try store.lookup(String(repeating: "a", count: 10_000)) }
        }
    }

    @Test("the rows of a plain, a gzip and a CSV dataset read back as the file holds them")
    func rows() throws {
        try withStore { store, _ in
            let expected = images[16...].map { Float($0) / 255 }
            for bytes in [images, Gzip.compress(images)] {
                let stored = try store.lookup(try upload(store, bytes).record.id)
                let (dimension, values) = try DatasetRows.read(stored.url, format: stored.format, offset: 1, count: 5)
                #expect(dimension == 4 && values == Array(expected[4...]))
            }
            let csv = try store.lookup(try upload(store, Array("1,2\n3,4\n5,6\n".utf8)).record.id)
            #expect(try DatasetRows.read(csv.url, format: .csv, offset: 1, count: 1).values == [3, 4])
        }
    }
}

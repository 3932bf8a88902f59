// Where each uploaded dataset lives on disk, and reading one back by id: what a training
// worker needs to find a dataset's file without owning the store.
import AEData
import Foundation

/// The datasets folder as a read-only catalog: `<folder>/<id>/data` and `<id>/dataset.json`.
public struct DatasetCatalog: Sendable {
    /// The datasets folder.
    public let folder: URL

    /// The file names inside a dataset's folder.
    static let dataFileName = "data"
    static let recordFileName = "dataset.json"

    /// A catalog of the datasets in `folder`.
    public init(folder: URL) { self.folder = folder }

    /// Dataset `id`'s record and file, read from disk. Anything but an id of the store's own
    /// form is unknown: no client string becomes a path.
    public func lookup(_ id: String) throws(DatasetStoreError) -> StoredDataset {
        guard Self.isValidID(id) else { throw .notFound(id: Self.quoted(id)) }
        let recordURL = folderURL(id).appendingPathComponent(Self.recordFileName)
        guard FileManager.default.fileExists(atPath: recordURL.path) else { throw .notFound(id: id) }
        let record: DatasetRecord
        let size: Int?
        do {
            record = try DatasetStore.decoder.decode(DatasetRecord.self, from: Data(contentsOf: recordURL))
            size = try FileManager.default.attributesOfItem(atPath: dataURL(id).path)[.size] as? Int
        } catch {
            throw .storage(path: recordURL.path, operation: "read", reason: "\(error)", full: false)
        }
        guard record.id == id, size == record.bytes else {
            throw .storage(path: folderURL(id).path, operation: "read",
                           reason: "its record does not match its file (\(size ?? 0) bytes; the record says \(record.bytes))",
                           full: false)
        }
        return StoredDataset(record: record, url: dataURL(id))
    }

    /// The folder of dataset `id` (an id of the store's form).
    func folderURL(_ id: String) -> URL {
        precondition(Self.isValidID(id), "DatasetCatalog: '\(id)' is not a dataset id")
        return folder.appendingPathComponent(id, isDirectory: true)
    }

    /// The file of dataset `id`, as uploaded.
    func dataURL(_ id: String) -> URL {
        folderURL(id).appendingPathComponent(Self.dataFileName)
    }

    /// `ds-` and 16 lower-case hex digits.
    public static func isValidID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 19 && bytes.starts(with: Array("ds-".utf8))
            && bytes[3...].allSatisfy { (0x30 ... 0x39).contains($0) || (0x61 ... 0x66).contains($0) }
    }

    /// A fresh random id.
    static func newID() -> String {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return "ds-" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A client's id quoted back, cut short: a 10 MB id makes a short message.
    static func quoted(_ id: String) -> String {
        id.count <= 64 ? id : String(id.prefix(64)) + "…"
    }
}

/// What the store did, for logs and metrics.
public enum DatasetStoreEvent: Sendable {
    /// An upload became a dataset.
    case stored(DatasetRecord)
    /// A dataset was deleted.
    case deleted(DatasetRecord)
    /// An interrupted upload's or deletion's folder was removed at start.
    case removedLeftover(name: String)
    /// A dataset folder could not be read at start and is not served.
    case skipped(name: String, reason: String)
}

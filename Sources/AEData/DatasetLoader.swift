// One entry point from a file or a byte buffer to a Dataset: gunzip by content, not by name,
// then hand the bytes to the reader of the format given or implied by the name.
import Compression
import Foundation

/// Loads datasets from files or bytes in any supported format, gzipped or not.
public enum DatasetLoader {
    /// The largest file or decompressed stream accepted by default (4 GiB), against gzip bombs.
    public static let defaultMaxBytes = 4 << 30

    /// Loads the dataset at `url`. `format` nil infers it from the name; `limit` keeps the first
    /// samples; `hasHeader` is for CSV (nil auto-detects); `maxBytes` bounds file and gunzipped size.
    public static func load(contentsOf url: URL, format: DatasetFormat? = nil, limit: Int? = nil,
                            hasHeader: Bool? = nil, maxBytes: Int = defaultMaxBytes) throws -> Dataset {
        let source = url.lastPathComponent
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= maxBytes else {
                throw DataError(.tooLarge, source: source, at: .whole, "file has \(size) bytes; the limit is \(maxBytes) bytes")
            }
            // Mapping spares a copy of a large gzip file that is only read once by inflate.
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(.unreadable, source: source, at: .whole,
                            "cannot read \(url.path): \((error as NSError).localizedDescription)")
        }
        let resolved = try resolveFormat(format, source: source)
        if Gzip.isGzip(data) {
            let bytes = try Gzip.decompress(data, limit: maxBytes, source: source)
            return try read(bytes, format: resolved, source: source, limit: limit, hasHeader: hasHeader, gunzipped: true)
        }
        return try read([UInt8](data), format: resolved, source: source, limit: limit, hasHeader: hasHeader, gunzipped: false)
    }

    /// Loads a dataset from bytes (a request body, a file already read); `source` names it in
    /// errors and, when `format` is nil, implies the format by its extension.
    public static func load(bytes: [UInt8], source: String, format: DatasetFormat? = nil, limit: Int? = nil,
                            hasHeader: Bool? = nil, maxBytes: Int = defaultMaxBytes) throws -> Dataset {
        let resolved = try resolveFormat(format, source: source)
        if Gzip.isGzip(bytes) {
            let inflated = try Gzip.decompress(bytes, limit: maxBytes, source: source)
            return try read(inflated, format: resolved, source: source, limit: limit, hasHeader: hasHeader, gunzipped: true)
        }
        return try read(bytes, format: resolved, source: source, limit: limit, hasHeader: hasHeader, gunzipped: false)
    }

    private static func resolveFormat(_ format: DatasetFormat?, source: String) throws -> DatasetFormat {
        if let format = format ?? DatasetFormat.infer(from: source) { return format }
        throw DataError(.unsupported, source: source, at: .whole, """
            cannot tell the dataset format from the name; expected a name ending in \
            \(DatasetFormat.acceptedExtensions.joined(separator: ", ")) (optionally followed by .gz), \
            or an explicit format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))
            """)
    }

    private static func read(_ bytes: [UInt8], format: DatasetFormat, source: String, limit: Int?,
                             hasHeader: Bool?, gunzipped: Bool) throws -> Dataset {
        // Offsets a reader reports are into the inflated stream; say so in the name it sees.
        let readerSource = gunzipped ? "\(source) (gunzipped)" : source
        let dataset: Dataset = switch format {
        case .idx: try IDXReader.read(bytes, source: readerSource, limit: limit)
        case .npy: try NPYReader.read(bytes, source: readerSource, limit: limit)
        case .csv: try CSVReader.read(bytes, source: readerSource, hasHeader: hasHeader, limit: limit)
        case .json: try JSONReader.read(bytes, source: readerSource, limit: limit)
        }
        return gunzipped ? dataset.renamed(source) : dataset
    }
}

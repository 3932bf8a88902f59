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
        let (bytes, readerSource, resolved) = try self.bytes(contentsOf: url, format: format, maxBytes: maxBytes)
        return try read(bytes, format: resolved, source: readerSource, limit: limit, hasHeader: hasHeader)
            .renamed(url.lastPathComponent)
    }

    /// How many samples the dataset at `url` holds, the file checked through its parser without
    /// keeping its values (JSON, which has no push parser, is read whole).
    public static func sampleCount(contentsOf url: URL, format: DatasetFormat? = nil,
                                   maxBytes: Int = defaultMaxBytes) throws -> Int {
        let (bytes, readerSource, resolved) = try self.bytes(contentsOf: url, format: format, maxBytes: maxBytes)
        guard var parser = resolved.parser(source: readerSource) else {
            return try read(bytes, format: resolved, source: readerSource, limit: nil, hasHeader: nil).count
        }
        try parser.consume(bytes)
        return try parser.finish().rows
    }

    /// The bytes of the file at `url`, gunzipped when they are gzip, with the name a reader
    /// should report offsets under (offsets are into the inflated stream: say so) and the
    /// format given or implied by the name. Datasets and label files both come through here.
    static func bytes(contentsOf url: URL, format: DatasetFormat?, maxBytes: Int)
        throws -> (bytes: [UInt8], readerSource: String, format: DatasetFormat)
    {
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
            return (try Gzip.decompress(data, limit: maxBytes, source: source), "\(source) (gunzipped)", resolved)
        }
        return ([UInt8](data), source, resolved)
    }

    /// Loads a dataset from bytes (a request body, a file already read); `source` names it in
    /// errors and, when `format` is nil, implies the format by its extension.
    public static func load(bytes: [UInt8], source: String, format: DatasetFormat? = nil, limit: Int? = nil,
                            hasHeader: Bool? = nil, maxBytes: Int = defaultMaxBytes) throws -> Dataset {
        let resolved = try resolveFormat(format, source: source)
        guard Gzip.isGzip(bytes) else {
            return try read(bytes, format: resolved, source: source, limit: limit, hasHeader: hasHeader)
        }
        let inflated = try Gzip.decompress(bytes, limit: maxBytes, source: source)
        return try read(inflated, format: resolved, source: "\(source) (gunzipped)", limit: limit, hasHeader: hasHeader)
            .renamed(source)
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
                             hasHeader: Bool?) throws -> Dataset {
        switch format {
        case .idx: try IDXReader.read(bytes, source: source, limit: limit)
        case .npy: try NPYReader.read(bytes, source: source, limit: limit)
        case .csv: try CSVReader.read(bytes, source: source, hasHeader: hasHeader, limit: limit)
        case .json: try JSONReader.read(bytes, source: source, limit: limit)
        }
    }
}

// A dataset file as it is stored or uploaded, chunk by chunk: gzip is found by its magic and
// inflated, the format is told by the content (or given), and that format's parser checks it.
import Compression

/// Checks (and optionally reads) a dataset file of any supported streamable format, plain or
/// gzip, from chunks of any size.
///
/// ```swift
/// var stream = DatasetStream(source: "upload", maxInflatedBytes: 2 << 30)
/// for chunk in body { try stream.consume(chunk) }
/// let layout = try stream.finish()     // format, rows, dimension, dtype, shape
/// ```
public struct DatasetStream {
    private let source: String
    private let givenFormat: DatasetFormat?
    private let maxInflatedBytes: Int
    private let rowLimit: Int?
    private let hasHeader: Bool?
    private let sink: DatasetValueSink?
    /// The first bytes, kept until gzip (2 bytes) and then the format (6 bytes) can be told.
    private var prefix: [UInt8] = []
    private var inflater: Inflater?
    private var decided = false
    private var parser: (any DatasetParser)?
    /// Bytes of the file taken (compressed when it is gzip).
    public private(set) var bytesConsumed = 0

    /// A stream reporting errors against `source`. `format` nil tells it from the content;
    /// `maxInflatedBytes` bounds a gzip file's content; `sink` gets the first `rowLimit` rows.
    public init(source: String, format: DatasetFormat? = nil, maxInflatedBytes: Int = DatasetLoader.defaultMaxBytes,
                rowLimit: Int? = nil, hasHeader: Bool? = nil, sink: DatasetValueSink? = nil) {
        self.source = source
        self.givenFormat = format
        self.maxInflatedBytes = maxInflatedBytes
        self.rowLimit = rowLimit
        self.hasHeader = hasHeader
        self.sink = sink
    }

    /// Whether the file is gzip (known after its first two bytes).
    public var isGzip: Bool { inflater != nil }

    /// The content's layout once its header is read (CSV: after `finish`).
    public var layout: DatasetLayout? { parser?.layout }

    /// Bytes of content parsed: the inflated size for gzip.
    public var contentBytes: Int { parser?.bytesConsumed ?? 0 }

    /// Takes the next bytes of the file.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        bytesConsumed += bytes.count
        guard decided else {
            prefix.append(contentsOf: bytes)
            guard prefix.count >= 2 else { return }
            decided = true
            let start = prefix
            prefix = []
            if Gzip.isGzip(start) { inflater = Inflater(accepting: [.gzip], limit: maxInflatedBytes) }
            try start.withDataBytes { (raw) throws(DataError) in try route(raw) }
            return
        }
        try route(bytes)
    }

    /// The file has ended: throws when it is incomplete, else returns the content's layout.
    public mutating func finish() throws(DataError) -> DatasetLayout {
        if !decided {
            decided = true
            let start = prefix
            prefix = []
            try start.withDataBytes { (raw) throws(DataError) in try route(raw) }
        }
        if let inflater {
            do { try inflater.finish() } catch { throw DataError(error, source: source) }
        }
        if parser == nil { try startParser(final: true) }
        guard var parser else {
            throw DataError(.empty, source: source, at: .whole, "the file is empty; expected an NPY, IDX or CSV file")
        }
        let layout = try parser.finish()
        self.parser = parser
        return layout
    }

    /// Sends file bytes through the inflater (gzip) or straight on.
    private mutating func route(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        guard let inflater else { return try parse(bytes) }
        do {
            try inflater.inflate(bytes) { output in try self.parse(output) }
        } catch let error as CompressionError {
            throw DataError(error, source: source)
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(.unreadable, source: source, at: .byte(bytesConsumed), "\(error)")
        }
    }

    /// Hands content bytes to the parser, once the first of them tell the format.
    private mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        if var parser {
            self.parser = nil  // keeps the parser uniquely referenced while it mutates
            defer { self.parser = parser }
            return try parser.consume(bytes)
        }
        prefix.append(contentsOf: bytes)
        if prefix.count >= 6 { try startParser(final: false) }
    }

    /// Picks the parser from the given format or the first content bytes and feeds it those.
    private mutating func startParser(final: Bool) throws(DataError) {
        guard !prefix.isEmpty || !final else { return }
        let content = inflater == nil ? source : "\(source) (gunzipped)"
        guard let format = givenFormat ?? DatasetFormat.detect(prefix: prefix) else {
            throw DataError(.unsupported, source: content, at: .byte(0), """
                cannot tell the format from the first bytes (\(prefix.prefix(6).map { Self.hex($0) }.joined(separator: " "))); \
                expected an NPY file (\\x93NUMPY), an IDX file (00 00 type rank), CSV text, or any of these gzipped
                """)
        }
        guard let made = format.parser(source: content, rowLimit: rowLimit, hasHeader: hasHeader, sink: sink) else {
            throw DataError(.unsupported, source: content, at: .whole,
                            "\(format.rawValue) files cannot be streamed; expected NPY, IDX or CSV")
        }
        var parser = made
        let start = prefix
        prefix = []
        try parser.consume(start)
        self.parser = parser
    }

    private static func hex(_ byte: UInt8) -> String {
        byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
    }
}

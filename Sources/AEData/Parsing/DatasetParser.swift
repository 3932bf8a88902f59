// Push parsers: a dataset file arrives in chunks of any size (an upload, a file read piece by
// piece, an inflating stream) and is checked as it comes, so nothing needs the whole file at once.

/// What a dataset file holds, as its header (IDX, NPY) or its last row (CSV) tells.
public struct DatasetLayout: Sendable, Equatable {
    /// The file format.
    public var format: DatasetFormat
    /// The stored element type (CSV cells are read as float32).
    public var elementType: ElementType
    /// The array's shape as the file gives it (`[10000, 28, 28]`; CSV: `[rows, columns]`).
    public var shape: [Int]
    /// Samples: the first axis (a 1-D NPY array is one sample).
    public var rows: Int
    /// Features per sample: the other axes multiplied out.
    public var dimension: Int
    /// Where the element data starts, for binary formats (nil for CSV).
    public var dataOffset: Int?
    /// Whether binary elements are stored big-endian (IDX always; NPY as its dtype says).
    public var isBigEndian: Bool

    /// Creates a layout; `rows × dimension` values, row-major.
    public init(format: DatasetFormat, elementType: ElementType, shape: [Int], rows: Int, dimension: Int,
                dataOffset: Int?, isBigEndian: Bool = false) {
        self.format = format
        self.elementType = elementType
        self.shape = shape
        self.rows = rows
        self.dimension = dimension
        self.dataOffset = dataOffset
        self.isBigEndian = isBigEndian
    }
}

/// Receives parsed values in row-major order, a chunk at a time (not always whole rows), with
/// the number of values per row.
public typealias DatasetValueSink = (_ values: UnsafeBufferPointer<Float>, _ dimension: Int) -> Void

/// A parser that takes a dataset file chunk by chunk and refuses it at the first byte, row or
/// value that is wrong. Errors name the byte offset (binary formats) or the line and column (CSV).
///
/// ```swift
/// var parser = DatasetFormat.npy.parser(source: "upload")   // validate only: no sink
/// for chunk in chunks { try parser.consume(chunk) }
/// let layout = try parser.finish()                            // rows, dimension, shape…
/// ```
public protocol DatasetParser {
    /// Takes the next bytes of the file; throws as soon as they cannot belong to a valid file.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(DataError)
    /// The file has ended: throws when it is incomplete or empty, else returns its layout.
    mutating func finish() throws(DataError) -> DatasetLayout
    /// The layout, once the header has been read (CSV: only after `finish`).
    var layout: DatasetLayout? { get }
    /// Bytes taken so far.
    var bytesConsumed: Int { get }
}

extension DatasetParser {
    /// Takes the bytes of `array`.
    public mutating func consume(_ array: [UInt8]) throws(DataError) {
        try array.withDataBytes { (bytes) throws(DataError) in try consume(bytes) }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `DataError` (the standard one rethrows untyped).
    func withDataBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DataError) -> R) throws(DataError) -> R {
        try withUnsafeBytes { raw in Result { () throws(DataError) in try body(raw) } }.get()
    }

    /// `withUnsafeMutableBytes` for a body that throws `DataError`.
    mutating func withMutableDataBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(DataError) -> R) throws(DataError) -> R {
        try withUnsafeMutableBytes { raw in Result { () throws(DataError) in try body(raw) } }.get()
    }
}

extension DatasetFormat {
    /// Whether files of this format can be parsed as they stream (JSON cannot).
    public var isStreamable: Bool { self != .json }

    /// A push parser for this format (nil for JSON). `sink` receives the values of the first
    /// `rowLimit` rows (all when nil); without a sink the file is only checked. `hasHeader` is for
    /// CSV (nil detects a header row); `scalesBytes` false keeps uint8 values as they are.
    public func parser(source: String, rowLimit: Int? = nil, hasHeader: Bool? = nil, scalesBytes: Bool = true,
                       sink: DatasetValueSink? = nil) -> (any DatasetParser)? {
        switch self {
        case .idx: IDXParser(source: source, rowLimit: rowLimit, scalesBytes: scalesBytes, sink: sink)
        case .npy: NPYParser(source: source, rowLimit: rowLimit, scalesBytes: scalesBytes, sink: sink)
        case .csv: CSVParser(source: source, rowLimit: rowLimit, hasHeader: hasHeader, sink: sink)
        case .json: nil
        }
    }

    /// The format the first bytes of a file show: NPY by its magic, IDX by its zero magic and a
    /// known type code, CSV by text; nil when `prefix` (at least 4 bytes, unless the file is
    /// shorter) looks like none of them. gzip must be undone first.
    public static func detect(prefix: some Collection<UInt8>) -> DatasetFormat? {
        let bytes = Array(prefix.prefix(6))
        if bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return .npy }
        if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, IDXParser.elementType(code: bytes[2]) != nil, bytes[3] > 0 {
            return .idx
        }
        // Text: CSV (numbers or a header row), or JSON. A UTF-8 byte order mark may come first.
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let first = text.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) ?? text.first,
              text.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20 ... 0x7E).contains($0) }) else {
            return nil
        }
        return first == UInt8(ascii: "[") || first == UInt8(ascii: "{") ? .json : .csv
    }
}

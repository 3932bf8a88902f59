// NPY (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): "\x93NUMPY",
// version, header length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict literal, then raw data.

/// Parses a NumPy .npy file of floats or integers in C order as it arrives: a 1-D array is one
/// sample, an N-D array has samples along its first axis and the rest flattened. uint8 is scaled
/// to [0, 1] by /255; other integers keep their values.
public struct NPYParser: DatasetParser {
    private var binary: BinaryDatasetParser

    /// The dtypes accepted, as NumPy spells them ('=' and '|' mean this machine's little-endian).
    public static let supportedDTypes = ["<f4", ">f4", "<f8", ">f8", "|u1", "|i1", "<i2", ">i2", "<u2", ">u2",
                                         "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8"]

    /// Longest header accepted. NumPy itself refuses headers over 10,000 bytes unless told otherwise.
    static let maxHeaderLength = 1 << 20

    /// A parser reporting errors against `source`; `sink` gets the first `rowLimit` rows' values,
    /// uint8 scaled to [0, 1] unless `scalesBytes` is false (class labels).
    public init(source: String, rowLimit: Int? = nil, scalesBytes: Bool = true, sink: DatasetValueSink? = nil) {
        binary = BinaryDatasetParser(source: source, rowLimit: rowLimit, scalesBytes: scalesBytes, sink: sink,
                                     readHeader: Self.header)
    }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(DataError) { try binary.consume(bytes) }
    public mutating func finish() throws(DataError) -> DatasetLayout { try binary.finish() }
    public var layout: DatasetLayout? { binary.header?.layout }
    public var bytesConsumed: Int { binary.bytesConsumed }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    @Sendable static func header(_ bytes: [UInt8], source: String, atEnd: Bool) throws(DataError) -> BinaryHeader? {
        guard bytes.prefix(6).elementsEqual(magic.prefix(min(bytes.count, 6))) else {
            throw DataError(.malformed, source: source, at: .byte(0),
                            "expected the NPY magic \"\\x93NUMPY\"; this is not an .npy file")
        }
        guard bytes.count >= 10 else {
            guard atEnd else { return nil }
            throw DataError(.truncated, source: source, at: .byte(bytes.count),
                            "the file ends at byte \(bytes.count), inside the 10-byte NPY preamble")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                guard atEnd else { return nil }
                throw DataError(.truncated, source: source, at: .byte(bytes.count), "expected a 4-byte header length at byte 8")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DataError(.unsupported, source: source, at: .byte(6),
                            "NPY version \(major).\(minor) is not supported; expected 1.0, 2.0 or 3.0")
        }
        guard headerLength <= maxHeaderLength else {
            throw DataError(.unsupported, source: source, at: .byte(8),
                            "header length \(headerLength) exceeds the \(maxHeaderLength) bytes accepted")
        }
        let dataOffset = headerStart + headerLength
        guard bytes.count >= dataOffset else {
            guard atEnd else { return nil }
            throw DataError(.truncated, source: source, at: .byte(bytes.count),
                            "header declares \(headerLength) bytes ending at byte \(dataOffset); the file has \(bytes.count)")
        }
        // Version 3.0 only widens the header to UTF-8; the keys we read are ASCII either way.
        let headerText = String(decoding: bytes[headerStart ..< dataOffset], as: UTF8.self)
        let header = try Header(parsing: headerText, source: source, offset: headerStart)

        guard !header.fortranOrder else {
            throw DataError(.unsupported, source: source, at: .byte(headerStart), """
                array is stored in Fortran order (fortran_order: True); expected C order: \
                save np.ascontiguousarray(a) instead
                """)
        }
        guard let (type, bigEndian) = dtype(header.dtype) else {
            throw DataError(.unsupported, source: source, at: .byte(headerStart), """
                dtype '\(header.dtype)' is not supported; expected one of \
                \(supportedDTypes.joined(separator: ", ")) (floats and integers)
                """)
        }
        guard !header.shape.isEmpty else {
            throw DataError(.unsupported, source: source, at: .byte(headerStart),
                            "array is 0-dimensional (shape ()); expected at least one dimension")
        }
        let shape = header.shape.count == 1 ? [1] + header.shape : header.shape
        let name = "shape \(header.shape) of \(header.dtype)"
        guard let elements = IDXParser.product(shape[...]),
              case (let dataBytes, false) = elements.multipliedReportingOverflow(by: type.size) else {
            throw DataError(.malformed, source: source, at: .byte(headerStart), "shape \(header.shape) overflows Int")
        }
        guard elements > 0 else {
            throw DataError(.empty, source: source, at: .byte(headerStart), "shape \(header.shape) holds no values")
        }
        let layout = DatasetLayout(format: .npy, elementType: type, shape: header.shape, rows: shape[0],
                                   dimension: elements / shape[0], dataOffset: dataOffset, isBigEndian: bigEndian)
        return BinaryHeader(layout: layout, decoder: ElementDecoder(type: type, bigEndian: bigEndian), elements: elements,
                            dataBytes: dataBytes, name: name, nameIsPlural: false)
    }

    /// The element type and byte order of a NumPy dtype string.
    static func dtype(_ text: String) -> (ElementType, bigEndian: Bool)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, let order = bytes.first, let size = Int(String(decoding: bytes[2...], as: UTF8.self)) else {
            return nil
        }
        let bigEndian: Bool
        switch order {
        case UInt8(ascii: "<"), UInt8(ascii: "="): bigEndian = false
        case UInt8(ascii: ">"): bigEndian = true
        case UInt8(ascii: "|"):
            guard size == 1 else { return nil }  // '|' is for types without a byte order
            bigEndian = false
        default: return nil
        }
        let type: ElementType? = switch (bytes[1], size) {
        case (UInt8(ascii: "f"), 4): .float32
        case (UInt8(ascii: "f"), 8): .float64
        case (UInt8(ascii: "u"), 1): .uint8
        case (UInt8(ascii: "i"), 1): .int8
        case (UInt8(ascii: "u"), 2): .uint16
        case (UInt8(ascii: "i"), 2): .int16
        case (UInt8(ascii: "u"), 4): .uint32
        case (UInt8(ascii: "i"), 4): .int32
        case (UInt8(ascii: "u"), 8): .uint64
        case (UInt8(ascii: "i"), 8): .int64
        default: nil
        }
        return type.map { ($0, bigEndian) }
    }
    /// The header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    struct Header {
        var dtype = ""
        var fortranOrder = false
        var shape: [Int] = []

        /// Parses the literal NumPy writes; a small scanner rather than a Python parser, since
        /// only strings, booleans and tuples of integers appear.
        init(parsing text: String, source: String, offset: Int) throws(DataError) {
            var scanner = HeaderScanner(text: Array(text.utf8), source: source, offset: offset)
            var seen = Set<String>()
            try scanner.expect("{")
            while !scanner.consume("}") {
                let key = try scanner.string()
                try scanner.expect(":")
                switch key {
                case "descr":
                    guard scanner.peek == UInt8(ascii: "'") || scanner.peek == UInt8(ascii: "\"") else {
                        throw scanner.error("descr is a structured dtype; expected a simple dtype string such as '<f4'")
                    }
                    dtype = try scanner.string()
                case "fortran_order": fortranOrder = try scanner.bool()
                case "shape": shape = try scanner.tuple()
                default: throw scanner.error("unexpected key '\(key)'; expected descr, fortran_order and shape")
                }
                seen.insert(key)
                if !scanner.consume(",") {
                    try scanner.expect("}")
                    break
                }
            }
            for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) {
                throw scanner.error("header dict lacks the key '\(key)'")
            }
        }
    }

    /// A cursor over the header text that skips whitespace between tokens.
    struct HeaderScanner {
        let text: [UInt8]
        let source: String
        let offset: Int
        var index = 0

        init(text: [UInt8], source: String, offset: Int) {
            self.text = text
            self.source = source
            self.offset = offset
        }

        var peek: UInt8? {
            mutating get {
                while index < text.count, text[index] == 0x20 || text[index] == 0x0A || text[index] == 0x09 { index += 1 }
                return index < text.count ? text[index] : nil
            }
        }

        func error(_ message: String) -> DataError {
            DataError(.malformed, source: source, at: .byte(offset + index), "bad NPY header: \(message)")
        }

        mutating func consume(_ token: String) -> Bool {
            _ = peek
            let bytes = Array(token.utf8)
            guard text[index...].starts(with: bytes) else { return false }
            index += bytes.count
            return true
        }

        mutating func expect(_ token: String) throws(DataError) {
            guard consume(token) else {
                let found = peek.map { "'\(Character(Unicode.Scalar($0)))'" } ?? "the end"
                throw error("expected '\(token)', found \(found)")
            }
        }

        mutating func string() throws(DataError) -> String {
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw error("expected a quoted string")
            }
            guard let end = text[(index + 1)...].firstIndex(of: quote) else { throw error("unterminated string") }
            defer { index = end + 1 }
            return String(decoding: text[(index + 1) ..< end], as: UTF8.self)
        }

        mutating func bool() throws(DataError) -> Bool {
            if consume("True") { return true }
            if consume("False") { return false }
            throw error("expected True or False")
        }

        mutating func tuple() throws(DataError) -> [Int] {
            try expect("(")
            var values: [Int] = []
            while !consume(")") {
                _ = peek
                let start = index
                while index < text.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(text[index]) { index += 1 }
                // Python 2 era files may write a long as "3L".
                guard index > start, let value = Int(String(decoding: text[start ..< index], as: UTF8.self)) else {
                    throw error("expected a non-negative integer in the shape tuple")
                }
                _ = consume("L")
                values.append(value)
                if !consume(",") {
                    try expect(")")
                    break
                }
            }
            return values
        }
    }
}

/// Reads whole .npy files.
public enum NPYReader {
    /// Reads an .npy file's bytes (see `NPYParser`); keeps the first `limit` samples when given.
    public static func read(_ bytes: [UInt8], source: String, limit: Int? = nil) throws -> Dataset {
        try Dataset.parse(bytes, format: .npy, source: source, limit: limit)
    }
}

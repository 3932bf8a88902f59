// NPY (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): "\x93NUMPY",
// version, header length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict literal, then raw data.

/// Reads NumPy .npy files of float32, float64 or uint8 in C order.
public enum NPYReader {
    /// The dtypes this reader accepts, as NumPy spells them.
    public static let supportedDTypes = ["<f4", ">f4", "<f8", ">f8", "|u1", "<u1", ">u1"]

    /// Reads an .npy file's bytes: a 1-D array is one sample, an N-D array has samples along its
    /// first axis and the rest flattened. uint8 is scaled to [0, 1] by /255.
    public static func read(_ bytes: [UInt8], source: String, limit: Int? = nil) throws -> Dataset {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard bytes.count >= 10, Array(bytes[0 ..< 6]) == magic else {
            throw DataError(.malformed, source: source, at: .byte(0),
                            "expected the NPY magic \"\\x93NUMPY\"; this is not an .npy file")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw DataError(.truncated, source: source, at: .byte(bytes.count), "expected a 4-byte header length at byte 8")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DataError(.unsupported, source: source, at: .byte(6),
                            "NPY version \(major).\(minor) is not supported; expected 1.0, 2.0 or 3.0")
        }
        let dataOffset = headerStart + headerLength
        guard bytes.count >= dataOffset else {
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
        guard let element = Element(dtype: header.dtype) else {
            throw DataError(.unsupported, source: source, at: .byte(headerStart), """
                dtype '\(header.dtype)' is not supported; expected one of \
                \(supportedDTypes.joined(separator: ", ")) (float32, float64, uint8)
                """)
        }
        guard !header.shape.isEmpty else {
            throw DataError(.unsupported, source: source, at: .byte(headerStart),
                            "array is 0-dimensional (shape ()); expected at least one dimension")
        }
        let shape = header.shape.count == 1 ? [1] + header.shape : header.shape
        var elements = 1
        for dim in shape {
            let (next, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw DataError(.malformed, source: source, at: .byte(headerStart), "shape \(header.shape) overflows Int")
            }
            elements = next
        }
        guard elements > 0 else {
            throw DataError(.empty, source: source, at: .byte(headerStart), "shape \(header.shape) holds no values")
        }
        let dimension = elements / shape[0]
        let (dataBytes, overflow) = elements.multipliedReportingOverflow(by: element.size)
        let available = bytes.count - dataOffset
        guard !overflow, dataBytes <= available else {
            throw DataError(.truncated, source: source, at: .byte(bytes.count), """
                shape \(header.shape) of \(header.dtype) needs \(overflow ? "more than Int.max" : String(dataBytes)) \
                data bytes after the \(dataOffset)-byte header; found \(available)
                """)
        }
        guard dataBytes == available else {
            throw DataError(.malformed, source: source, at: .byte(dataOffset + dataBytes),
                            "\(available - dataBytes) trailing bytes after the data that shape \(header.shape) describes")
        }
        let rows = try Dataset.rowsToKeep(of: shape[0], limit: limit, source: source)
        let values = element.convert(bytes, from: dataOffset, count: rows * dimension)
        if element.isFloat { try Dataset.checkFinite(values, dimension: dimension, source: source) }
        return Dataset(unchecked: values, dimension: dimension, source: source)
    }

    /// The element types read, with their byte order.
    enum Element {
        case float32(bigEndian: Bool), float64(bigEndian: Bool), uint8

        init?(dtype: String) {
            switch dtype {
            case "<f4": self = .float32(bigEndian: false)
            case ">f4": self = .float32(bigEndian: true)
            case "<f8": self = .float64(bigEndian: false)
            case ">f8": self = .float64(bigEndian: true)
            case "|u1", "<u1", ">u1": self = .uint8
            default: return nil
            }
        }

        var size: Int {
            switch self {
            case .float32: 4
            case .float64: 8
            case .uint8: 1
            }
        }

        var isFloat: Bool {
            if case .uint8 = self { return false }
            return true
        }

        func convert(_ bytes: [UInt8], from offset: Int, count: Int) -> [Float] {
            bytes.withUnsafeBytes { raw in
                let data = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    switch self {
                    case .float32(let bigEndian):
                        for i in 0 ..< count {
                            let bits = data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            out[i] = Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits))
                        }
                    case .float64(let bigEndian):
                        for i in 0 ..< count {
                            let bits = data.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                            out[i] = Float(Double(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)))
                        }
                    case .uint8:
                        for i in 0 ..< count { out[i] = Float(data[i]) / 255 }
                    }
                    initialized = count
                }
            }
        }
    }

    /// The header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    struct Header {
        var dtype = ""
        var fortranOrder = false
        var shape: [Int] = []

        /// Parses the literal NumPy writes; a small scanner rather than a Python parser, since
        /// only strings, booleans and tuples of integers appear.
        init(parsing text: String, source: String, offset: Int) throws {
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

        mutating func expect(_ token: String) throws {
            guard consume(token) else {
                let found = peek.map { "'\(Character(Unicode.Scalar($0)))'" } ?? "the end"
                throw error("expected '\(token)', found \(found)")
            }
        }

        mutating func string() throws -> String {
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw error("expected a quoted string")
            }
            guard let end = text[(index + 1)...].firstIndex(of: quote) else { throw error("unterminated string") }
            defer { index = end + 1 }
            return String(decoding: text[(index + 1) ..< end], as: UTF8.self)
        }

        mutating func bool() throws -> Bool {
            if consume("True") { return true }
            if consume("False") { return false }
            throw error("expected True or False")
        }

        mutating func tuple() throws -> [Int] {
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

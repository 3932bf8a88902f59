// IDX, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): bytes 0–1 zero,
// byte 2 a type code, byte 3 the number of dimensions, then big-endian UInt32 sizes and the data.

/// Parses an IDX file as it arrives: the first dimension is samples, the others are flattened
/// into features; uint8 values are scaled to [0, 1], others kept as they are.
public struct IDXParser: DatasetParser {
    private var binary: BinaryDatasetParser

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

    /// The element type of an IDX type code.
    static func elementType(code: UInt8) -> ElementType? {
        switch code {
        case 0x08: .uint8
        case 0x09: .int8
        case 0x0B: .int16
        case 0x0C: .int32
        case 0x0D: .float32
        case 0x0E: .float64
        default: nil
        }
    }

    @Sendable static func header(_ bytes: [UInt8], source: String, atEnd: Bool) throws(DataError) -> BinaryHeader? {
        if bytes.count >= 2, bytes[0] != 0 || bytes[1] != 0 {
            throw DataError(.malformed, source: source, at: .byte(0), """
                expected IDX magic starting with 0x0000, found 0x\(hex(bytes[0]))\(hex(bytes[1])); \
                this is not an IDX file
                """)
        }
        if bytes.count >= 3, elementType(code: bytes[2]) == nil {
            throw DataError(.unsupported, source: source, at: .byte(2), """
                unknown IDX type code 0x\(hex(bytes[2])); expected 0x08 (uint8), 0x09 (int8), \
                0x0B (int16), 0x0C (int32), 0x0D (float32) or 0x0E (float64)
                """)
        }
        guard bytes.count >= 4, let type = elementType(code: bytes[2]) else {
            guard atEnd else { return nil }
            throw DataError(.truncated, source: source, at: .byte(0),
                            "expected a 4-byte IDX magic number, found only \(bytes.count) bytes")
        }
        let rank = Int(bytes[3])
        guard rank > 0 else {
            throw DataError(.malformed, source: source, at: .byte(3), "expected at least one dimension, found 0")
        }
        let dataOffset = 4 + 4 * rank
        guard bytes.count >= dataOffset else {
            guard atEnd else { return nil }
            throw DataError(.truncated, source: source, at: .byte(bytes.count),
                            "header declares \(rank) dimensions needing \(dataOffset) header bytes; the file has \(bytes.count)")
        }
        let dims = (0 ..< rank).map { axis in
            let offset = 4 + 4 * axis
            return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        }
        let name = "dimensions \(dims) of \(type)"
        guard let dimension = product(dims.dropFirst()), let elements = product(dims[...]),
              case (let dataBytes, false) = elements.multipliedReportingOverflow(by: type.size) else {
            throw DataError(.malformed, source: source, at: .byte(4), "\(name) overflow Int")
        }
        guard elements > 0 else {
            throw DataError(.empty, source: source, at: .byte(4), "dimensions \(dims) hold no values")
        }
        let layout = DatasetLayout(format: .idx, elementType: type, shape: dims, rows: dims[0], dimension: dimension,
                                   dataOffset: dataOffset, isBigEndian: true)
        return BinaryHeader(layout: layout, decoder: ElementDecoder(type: type, bigEndian: true), elements: elements,
                            dataBytes: dataBytes, name: name, nameIsPlural: true)
    }

    /// The product of `values`, or nil when it overflows Int.
    static func product(_ values: ArraySlice<Int>) -> Int? {
        var product = 1
        for value in values {
            let (next, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            product = next
        }
        return product
    }

    static func hex(_ byte: UInt8) -> String {
        byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
    }
}

/// Reads whole IDX files.
public enum IDXReader {
    /// Reads an IDX file's bytes (see `IDXParser`); keeps the first `limit` samples when given.
    public static func read(_ bytes: [UInt8], source: String, limit: Int? = nil) throws -> Dataset {
        try Dataset.parse(bytes, format: .idx, source: source, limit: limit)
    }
}

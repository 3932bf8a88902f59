// The part IDX and NPY share: a header read from the first bytes, then a known number of
// fixed-size elements, checked (non-finite floats, length) and converted as they arrive.

/// A binary file's header, as its format reads it.
struct BinaryHeader: Sendable {
    /// The layout the header describes (with `dataOffset`).
    var layout: DatasetLayout
    /// How elements are stored.
    var decoder: ElementDecoder
    /// Elements after the header (`rows × dimension`).
    var elements: Int
    /// Bytes of element data after the header (checked not to overflow).
    var dataBytes: Int
    /// Names the array in messages: "dimensions [3, 2, 2] of uint8", "shape (2, 3) of <f4".
    var name: String
    /// Whether `name` takes a plural verb ("dimensions … need", "shape … needs").
    var nameIsPlural: Bool
}

/// Reads a header from the first bytes of a file: nil while more bytes are needed; throws when
/// the bytes cannot start a valid file, or (`atEnd`) when the file ends inside the header.
typealias BinaryHeaderReader = @Sendable (_ prefix: [UInt8], _ source: String, _ atEnd: Bool) throws(DataError) -> BinaryHeader?

/// A push parser over a header reader and a body of fixed-size elements.
struct BinaryDatasetParser {
    let source: String
    let readHeader: BinaryHeaderReader
    let sink: DatasetValueSink?
    let rowLimit: Int?
    let scalesBytes: Bool
    private(set) var header: BinaryHeader?
    private(set) var bytesConsumed = 0
    private var prefix: [UInt8] = []
    private var elementsSeen = 0
    /// The bytes of an element split between two chunks (fewer than its size).
    private var carry: [UInt8] = []
    private var scratch: [Float] = []

    init(source: String, rowLimit: Int?, scalesBytes: Bool, sink: DatasetValueSink?,
         readHeader: @escaping BinaryHeaderReader) {
        self.source = source
        self.rowLimit = rowLimit
        self.scalesBytes = scalesBytes
        self.sink = sink
        self.readHeader = readHeader
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        guard !bytes.isEmpty else { return }
        if header != nil {
            try consumeBody(bytes)
            return
        }
        let start = bytesConsumed
        prefix.append(contentsOf: bytes)
        guard var found = try readHeader(prefix, source, false) else {
            bytesConsumed += bytes.count
            return
        }
        found.decoder.scalesBytes = scalesBytes
        header = found
        let headerLength = found.layout.dataOffset ?? 0
        // The header ends inside this chunk: the rest of it is the first element data.
        let bodyStart = headerLength - start
        bytesConsumed = headerLength
        prefix = []
        try consumeBody(UnsafeRawBufferPointer(rebasing: bytes[bodyStart...]))
    }

    mutating func finish() throws(DataError) -> DatasetLayout {
        if header == nil { header = try readHeader(prefix, source, true) }
        guard let header else {
            // A reader returns a header or throws when told the file has ended.
            throw DataError(.truncated, source: source, at: .byte(bytesConsumed), "the file ends inside its header")
        }
        let dataOffset = header.layout.dataOffset ?? 0
        let found = elementsSeen * header.decoder.type.size + carry.count
        guard elementsSeen == header.elements else {
            throw DataError(.truncated, source: source, at: .byte(bytesConsumed), """
                \(header.name) need\(header.nameIsPlural ? "" : "s") \(header.dataBytes) data bytes \
                after the \(dataOffset)-byte header; found \(found)
                """)
        }
        return header.layout
    }

    private mutating func consumeBody(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        guard let header, !bytes.isEmpty, let base = bytes.baseAddress else { return }
        let size = header.decoder.type.size
        var offset = 0
        if !carry.isEmpty {
            let take = min(size - carry.count, bytes.count)
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<take]))
            offset = take
            if carry.count == size {
                let element = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
                defer { element.deallocate() }
                element.copyMemory(from: carry, byteCount: size)
                carry = []
                try process(element, count: 1)
            }
        }
        let whole = min((bytes.count - offset) / size, header.elements - elementsSeen)
        if whole > 0 { try process(base + offset, count: whole) }
        offset += whole * size
        bytesConsumed += offset
        let rest = bytes.count - offset
        guard rest > 0 else { return }
        if elementsSeen == header.elements {
            let dataOffset = header.layout.dataOffset ?? 0
            throw DataError(.malformed, source: source, at: .byte(bytesConsumed), """
                \(rest) trailing bytes after the \(header.dataBytes) data bytes that \(header.name) \
                describe\(header.nameIsPlural ? "" : "s") (the data ends at byte \(dataOffset + header.dataBytes))
                """)
        }
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        bytesConsumed += rest
    }

    /// Checks `count` whole elements at `raw` and hands the kept ones to the sink.
    private mutating func process(_ raw: UnsafeRawPointer, count: Int) throws(DataError) {
        guard let header else { return }
        let decoder = header.decoder
        let size = decoder.type.size
        if let bad = decoder.firstNonFinite(raw, count: count) {
            let index = elementsSeen + bad
            let dimension = max(header.layout.dimension, 1)
            let byte = (header.layout.dataOffset ?? 0) + index * size
            throw DataError(.nonFinite, source: source, at: .row(index / dimension, column: index % dimension), """
                value \(decoder.describe(raw + bad * size)) (element \(index), at byte \(byte)) is not a finite \
                Float32; expected a finite number
                """)
        }
        if let sink {
            let (limit, overflow) = (rowLimit ?? header.layout.rows).multipliedReportingOverflow(by: header.layout.dimension)
            let kept = min(overflow ? header.elements : limit, header.elements)
            var done = 0
            // Converted in blocks, so the scratch buffer stays small however large the chunk.
            while done < count, elementsSeen + done < kept {
                let block = min(count - done, kept - elementsSeen - done, 1 << 16)
                if scratch.count < block { scratch = [Float](repeating: 0, count: block) }
                scratch.withUnsafeMutableBufferPointer { out in
                    decoder.convert(raw + done * size, count: block, into: out.baseAddress!)
                    sink(UnsafeBufferPointer(rebasing: out[..<block]), header.layout.dimension)
                }
                done += block
            }
        }
        elementsSeen += count
    }
}

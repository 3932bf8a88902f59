// The JSON header of a safetensors file: parsing with every check the reference (Rust)
// implementation makes, each failure named, and the canonical encoding aeserve writes.
import Foundation

/// A parsed and validated header: tensor entries in data order plus `__metadata__`.
struct SafeTensorsHeader {
    /// One tensor's header entry; offsets are relative to the start of the data section.
    struct Entry {
        var name: String
        var dtype: SafeTensorsDtype
        var shape: [Int]
        var start: Int
        var end: Int
        var elementCount: Int
    }

    /// The entries sorted by `start`; together they cover the data section exactly.
    var entries: [Entry]
    /// The `__metadata__` map (empty when absent).
    var metadata: [String: String]

    static let metadataKey = "__metadata__"

    /// Parses `json` and validates each entry against a data section of `dataSize` bytes.
    static func parse(_ json: UnsafeRawBufferPointer, dataSize: Int, file: String)
        throws(CheckpointError) -> SafeTensorsHeader
    {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(json))
        } catch {
            throw .invalidHeader(file: file, reason: "not valid JSON (\(describe(error)))")
        }
        guard case .object(let object) = root else {
            throw .invalidHeader(file: file, reason: "expected a JSON object, found \(root.kind)")
        }
        let metadata = try parseMetadata(object[metadataKey], file: file)
        var entries: [Entry] = []
        // Sorted so that the first error reported is the same on every run.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) where name != metadataKey {
            entries.append(try parseEntry(name: name, value: value, file: file))
        }
        entries.sort { ($0.start, $0.end, $0.name) < ($1.start, $1.end, $1.name) }
        try validateLayout(entries, dataSize: dataSize, file: file)
        return SafeTensorsHeader(entries: entries, metadata: metadata)
    }

    /// The header bytes for `entries` (already laid out) and `metadata`: compact JSON with
    /// sorted keys, padded with spaces to a multiple of 8 bytes as the Rust writer does.
    static func encode(_ entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var fields: [String: HeaderField] = [:]
        for entry in entries {
            fields[entry.name] = .tensor(dtype: entry.dtype.rawValue, shape: entry.shape,
                                         offsets: [entry.start, entry.end])
        }
        if !metadata.isEmpty { fields[metadataKey] = .metadata(metadata) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(fields))
        } catch {
            // Strings and integers always encode; failure would be a Foundation bug.
            preconditionFailure("encoding a safetensors header failed: \(error)")
        }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    private static func parseMetadata(_ value: JSONValue?, file: String)
        throws(CheckpointError) -> [String: String]
    {
        switch value {
        case nil, .null?:
            return [:]
        case .object(let object)?:
            var metadata: [String: String] = [:]
            for (key, value) in object {
                guard case .string(let string) = value else {
                    throw .invalidHeader(file: file, reason: "__metadata__ value for '\(key)' is "
                        + "\(value.kind); the format allows only strings")
                }
                metadata[key] = string
            }
            return metadata
        case let other?:
            throw .invalidHeader(file: file, reason: "__metadata__ is \(other.kind), expected "
                + "an object of strings")
        }
    }

    private static func parseEntry(name: String, value: JSONValue, file: String)
        throws(CheckpointError) -> Entry
    {
        guard case .object(let fields) = value else {
            throw .invalidEntry(file: file, tensor: name, reason: "is \(value.kind), expected an "
                + "object with dtype, shape and data_offsets")
        }
        guard let dtypeValue = fields["dtype"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "has no 'dtype'")
        }
        guard case .string(let dtypeName) = dtypeValue else {
            throw .invalidEntry(file: file, tensor: name,
                                reason: "'dtype' is \(dtypeValue.kind), expected a string")
        }
        guard let shapeValue = fields["shape"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "has no 'shape'")
        }
        guard case .array(let dimensions) = shapeValue else {
            throw .invalidEntry(file: file, tensor: name,
                                reason: "'shape' is \(shapeValue.kind), expected an array of integers")
        }
        guard let offsetsValue = fields["data_offsets"] else {
            throw .invalidEntry(file: file, tensor: name, reason: "has no 'data_offsets'")
        }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              case .integer(let start) = offsets[0], case .integer(let end) = offsets[1],
              start >= 0, end >= 0
        else {
            throw .invalidEntry(file: file, tensor: name, reason: "'data_offsets' is "
                + "\(offsetsValue.text), expected two non-negative integers [start, end]")
        }
        guard let dtype = SafeTensorsDtype(rawValue: dtypeName) else {
            throw .unsupportedDtype(file: file, tensor: name, dtype: dtypeName)
        }
        var shape: [Int] = []
        var elementCount = 1
        var overflow = false
        for (index, dimension) in dimensions.enumerated() {
            guard case .integer(let size) = dimension else {
                throw .invalidShape(file: file, tensor: name, reason: "\(shapeValue.text): "
                    + "dimension \(index) is \(dimension.text), not an integer")
            }
            guard size >= 0 else {
                throw .invalidShape(file: file, tensor: name, reason: "\(shapeValue.text): "
                    + "dimension \(index) is negative")
            }
            shape.append(size)
            if !overflow { (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: size) }
        }
        if overflow || elementCount.multipliedReportingOverflow(by: dtype.byteSize).overflow {
            throw .invalidShape(file: file, tensor: name,
                                reason: "\(shape) has more elements than any file can hold")
        }
        return Entry(name: name, dtype: dtype, shape: shape, start: start, end: end,
                     elementCount: elementCount)
    }

    /// Checks each entry's range, then that consecutive ranges neither overlap nor leave gaps
    /// and reach the end of the data: the reference implementation refuses anything else.
    private static func validateLayout(_ entries: [Entry], dataSize: Int, file: String)
        throws(CheckpointError)
    {
        var cursor = 0
        var previous: Entry?
        for entry in entries {
            guard entry.end >= entry.start else {
                throw .offsetsReversed(file: file, tensor: entry.name, start: entry.start, end: entry.end)
            }
            guard entry.end <= dataSize else {
                throw .offsetsOutOfRange(file: file, tensor: entry.name, start: entry.start,
                                         end: entry.end, dataSize: dataSize)
            }
            let expectedBytes = entry.elementCount * entry.dtype.byteSize
            guard entry.end - entry.start == expectedBytes else {
                throw .sizeMismatch(file: file, tensor: entry.name, start: entry.start, end: entry.end,
                                    shape: entry.shape, dtype: entry.dtype.rawValue,
                                    expectedBytes: expectedBytes)
            }
            if let previous, entry.start < cursor {
                throw .overlappingTensors(file: file, first: previous.name,
                                          firstRange: [previous.start, previous.end],
                                          second: entry.name, secondRange: [entry.start, entry.end])
            }
            guard entry.start == cursor else {
                throw .dataHole(file: file, start: cursor, end: entry.start, after: previous?.name)
            }
            cursor = entry.end
            previous = entry
        }
        if cursor < dataSize {
            throw .trailingBytes(file: file, count: dataSize - cursor, dataSize: dataSize)
        }
    }

    /// A short description of a JSON decoding error (the full context is noise to a user).
    private static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        switch decodingError {
        case .dataCorrupted(let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context), .keyNotFound(_, let context):
            if let underlying = context.underlyingError {
                return "\(context.debugDescription) \(describe(underlying))"
            }
            return context.debugDescription
        @unknown default:
            return "\(decodingError)"
        }
    }
}

/// Any JSON value, decoded without Foundation's loose number bridging so that `1.5` or
/// `true` is never taken for an integer.
private enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// "a string", "an array", … for messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value written back compactly, for messages.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .object: "{…}"
        }
    }
}

/// A header value as written: a tensor entry or the metadata map.
private enum HeaderField: Encodable {
    case tensor(dtype: String, shape: [Int], offsets: [Int])
    case metadata([String: String])

    private enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case let .tensor(dtype, shape, offsets):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dtype, forKey: .dtype)
            try container.encode(shape, forKey: .shape)
            try container.encode(offsets, forKey: .dataOffsets)
        case .metadata(let metadata):
            var container = encoder.singleValueContainer()
            try container.encode(metadata)
        }
    }
}

// Decodes Codable request types from a JSON body with the scanner's rules (duplicate keys,
// UTF-8, depth) and errors that name the field and the byte: Foundation's JSONDecoder says only
// "The given data was not valid JSON." for -1 in a UInt64 field or 1e400 in a Double.

/// Decodes `Decodable` values from JSON bodies; every error is a `JSONError` naming the path and
/// the byte offset, except errors the type's own `init(from:)` throws, which pass through.
///
/// ```swift
/// let request = try StrictJSONDecoder.decode(TrainingJobRequest.self, from: body)
/// ```
public enum StrictJSONDecoder {
    /// Decodes a `T` from `bytes`, which must hold exactly one JSON document; `userInfo` is
    /// what the types' `init(from:)` find in `decoder.userInfo`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], maximumDepth: Int = 64,
                                            userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws -> T {
        let tree = try JSONTree(bytes, maximumDepth: maximumDepth)
        return try T(from: TreeDecoder(tree: tree, node: tree.root, codingPath: [], userInfo: userInfo))
    }
}

/// The `Decoder` over one node of a parsed tree.
private struct TreeDecoder: Decoder {
    let tree: JSONTree
    let node: JSONNode
    let codingPath: [any CodingKey]
    let info: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { info }

    init(tree: JSONTree, node: JSONNode, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.tree = tree
        self.node = node
        self.codingPath = codingPath
        info = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.value else { throw mismatch("an object") }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch node.value {
        case .array(let elements): return UnkeyedContainer(decoder: self, elements: elements.map { $0 })
        case .numbers(let tokens):
            return UnkeyedContainer(decoder: self, elements: tokens.map { JSONNode(value: .number($0), offset: Int($0.start)) })
        default: throw mismatch("an array")
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValue(decoder: self) }

    /// The decoder of a child node at `key`.
    func child(_ node: JSONNode, _ key: any CodingKey) -> TreeDecoder {
        TreeDecoder(tree: tree, node: node, codingPath: codingPath + [key], userInfo: info)
    }

    var path: JSONPath {
        JSONPath(components: codingPath.map { key in key.intValue.map { .index($0) } ?? .key(key.stringValue) })
    }

    func error(_ kind: JSONError.Kind, _ message: String) -> JSONError {
        JSONError(kind, at: path, offset: node.offset, message)
    }

    /// "expected an object, found a string".
    func mismatch(_ expected: String) -> JSONError {
        error(.typeMismatch, "expected \(expected), found \(describe(node))")
    }

    private func describe(_ node: JSONNode) -> String {
        switch node.value {
        case .object: "an object"
        case .array, .numbers: "an array"
        case .string(let text): "the string \(JSONPath.quoted(clipped(text, limit: 24)))"
        case .number(let token): tree.scanner.text(of: token)
        case .boolean(let value): "\(value)"
        case .null: "null"
        }
    }

    // MARK: Values

    func decodeString() throws -> String {
        guard case .string(let text) = node.value else { throw mismatch("a string") }
        return text
    }

    func decodeBool() throws -> Bool {
        guard case .boolean(let value) = node.value else { throw mismatch("true or false") }
        return value
    }

    func decodeNil() -> Bool {
        if case .null = node.value { return true }
        return false
    }

    func decodeFloat() throws -> Float {
        guard case .number(let token) = node.value else { throw mismatch("a number") }
        guard let value = tree.scanner.float(of: token) else {
            throw error(.outOfRange, "\(tree.scanner.text(of: token)) is beyond Float's range (±3.4028235e38)")
        }
        return value
    }

    func decodeDouble() throws -> Double {
        guard case .number(let token) = node.value else { throw mismatch("a number") }
        guard let value = tree.scanner.double(of: token) else {
            throw error(.outOfRange, "\(tree.scanner.text(of: token)) is beyond Double's range (±1.7976931348623157e308)")
        }
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .number(let token) = node.value else { throw mismatch("an integer") }
        let text = tree.scanner.text(of: token)
        let range = "an integer from \(T.min) to \(T.max)"
        guard text.allSatisfy({ $0 == "-" || $0.isASCII && $0.isNumber }) else {
            throw error(.typeMismatch, "expected \(range), found \(text)")
        }
        guard let value = T(text) else { throw error(.outOfRange, "expected \(range), found \(text)") }
        return value
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // Fast paths for the common leaf types, which also keep the errors above.
        switch type {
        case is String.Type: return try decodeString() as! T
        case is Bool.Type: return try decodeBool() as! T
        case is Float.Type: return try decodeFloat() as! T
        case is Double.Type: return try decodeDouble() as! T
        case is Int.Type: return try decodeInteger(Int.self) as! T
        case is UInt64.Type: return try decodeInteger(UInt64.self) as! T
        case is [Float].Type: return try decodeFloats() as! T
        default: return try T(from: self)
        }
    }

    /// An array of numbers as Floats, without a node per element.
    func decodeFloats() throws -> [Float] {
        switch node.value {
        case .numbers(let tokens):
            var values: [Float] = []
            values.reserveCapacity(tokens.count)
            for (index, token) in tokens.enumerated() {
                guard let value = tree.scanner.float(of: token) else {
                    throw JSONError(.outOfRange, at: path.appending(.index(index)), offset: Int(token.start),
                                    "\(tree.scanner.text(of: token)) is beyond Float's range (±3.4028235e38)")
                }
                values.append(value)
            }
            return values
        case .array(let elements) where elements.isEmpty:
            return []
        case .array(let elements):
            return try elements.enumerated().map { index, element in
                try child(element, IndexKey(index)).decodeFloat()
            }
        default:
            throw mismatch("an array of numbers")
        }
    }
}

/// An array index as a coding key.
private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TreeDecoder
    let members: [(key: String, node: JSONNode)]
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { members.contains { $0.key == key.stringValue } }

    private func member(_ key: Key) throws -> TreeDecoder {
        guard let found = members.first(where: { $0.key == key.stringValue }) else {
            throw decoder.error(.invalidValue, "missing field \(JSONPath.quoted(key.stringValue))")
        }
        return decoder.child(found.node, key)
    }

    /// Always false: no request field accepts `null`, so the `decodeIfPresent` overloads of
    /// every type (which ask this first) decode it, and it fails as a type mismatch naming the
    /// field instead of passing for a missing value.
    func decodeNil(forKey key: Key) throws -> Bool { _ = try member(key); return false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try member(key).decode(type) }

    /// Nil for a missing key; `null` is not taken for one (see `decodeNil(forKey:)`).
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        return try member(key).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try member(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try member(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: TreeDecoder
    let elements: [JSONNode]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }
    var currentIndex = 0

    init(decoder: TreeDecoder, elements: [JSONNode]) {
        self.decoder = decoder
        self.elements = elements
    }

    private mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw decoder.error(.invalidValue, "expected more than \(elements.count) elements")
        }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], IndexKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, decoder.child(elements[currentIndex], IndexKey(currentIndex)).decodeNil() else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleValue: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.decodeNil() }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloat() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
}

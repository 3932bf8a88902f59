// Request types refuse keys they do not know, with the list of keys they do: a misspelt
// option must not be silently ignored. The check is derived from each type's CodingKeys.

/// A coding key for any string, to list the keys an object actually holds.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

/// Thrown for a key the decoded type does not define.
public struct UnknownKeyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The dotted path of the unknown key, e.g. `training.epoch`.
    public var path: String
    /// The keys allowed where it was found, sorted.
    public var allowed: [String]

    public var description: String {
        "unknown field '\(path)'; allowed there: \(allowed.joined(separator: ", "))"
    }
}

extension Decoder {
    /// Throws `UnknownKeyError` when the object being decoded holds a key outside `Keys`.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let allowed = Set(Keys.allCases.map(\.stringValue))
        guard let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) else {
            return
        }
        let path = (codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" } + [".\(unknown)"])
            .joined().drop { $0 == "." }
        throw UnknownKeyError(path: String(path), allowed: allowed.sorted())
    }
}

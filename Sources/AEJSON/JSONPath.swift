// Where a value sits in a JSON document, written the way users read it: `inputs[0].data[17]`.

/// The keys and indices leading from the document's root to one value.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step down: a key of an object or an index of an array.
    public enum Component: Sendable, Hashable {
        /// A member of an object, by key.
        case key(String)
        /// An element of an array, 0-based.
        case index(Int)
    }

    /// The steps from the root, outermost first.
    public var components: [Component]

    /// The path of the document itself.
    public static let root = JSONPath(components: [])

    /// A path made of the given steps, outermost first.
    public init(components: [Component]) {
        self.components = components
    }

    /// This path extended by one more step.
    public func appending(_ component: Component) -> JSONPath {
        JSONPath(components: components + [component])
    }

    /// `vectors[3][17]`, `inputs[0].name`, `["odd key"]`, or `(root)` for the document itself.
    public var description: String {
        guard !components.isEmpty else { return "(root)" }
        var text = ""
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key) where Self.isIdentifier(key) && key.utf8.count <= 64:
                text += text.isEmpty ? key : ".\(key)"
            case .key(let key):
                // A client's key: shown cut to a bounded length, as every client string is.
                text += "[\(Self.quoted(clipped(key)))]"
            }
        }
        return text
    }

    /// Keys that read unambiguously after a dot: letters, digits, `_` and `-`, not starting with a digit.
    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "_" || $0 == "-"
        }
    }

    /// The key as a JSON string literal, so quotes and control characters stay visible.
    static func quoted(_ key: String) -> String {
        var bytes: [UInt8] = []
        appendJSON(key, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

// One wording for JSON decoding failures, shared by architecture files and API bodies: the
// field path first, then what was expected there.
import AEMath
import Foundation

extension DecodingError {
    /// The dotted path of the failing field (`encoder[0].activation`), empty at the top.
    public var fieldPath: String {
        let keys: [any CodingKey]
        switch self {
        case .keyNotFound(let key, let context): keys = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): keys = context.codingPath
        @unknown default: keys = []
        }
        return keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// "training.optimizer: unknown value; use one of sgd, adam, adamw" and the like.
    public var fieldMessage: String {
        let at = fieldPath
        switch self {
        case .keyNotFound:
            return "missing field '\(at)'"
        case .typeMismatch(let type, _):
            return "\(at): expected \(Self.describe(type))"
        case .valueNotFound(let type, _):
            return "\(at): expected \(Self.describe(type)), found null"
        case .dataCorrupted(let context):
            if let choices = Self.choices(forFieldNamed: at.split(separator: ".").last.map(String.init) ?? "") {
                return "\(at): unknown value; use one of \(choices)"
            }
            return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }

    /// The allowed values of the enumerated fields of our JSON.
    private static func choices(forFieldNamed name: String) -> String? {
        switch name {
        case "activation": return Activation.allCases.map(\.rawValue).joined(separator: ", ")
        case "kind": return Architecture.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        case "optimizer": return OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")
        case "loss": return Loss.allCases.map(\.rawValue).joined(separator: ", ")
        case "score": return ScoreKind.allCases.map(\.rawValue).joined(separator: ", ")
        default: return nil
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }
}

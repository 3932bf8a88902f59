// The bodies of /encode, /decode and /reconstruct, read with the fast JSON scanner: unknown
// fields refused (a typo like "vector" for "vectors" must not pass silently), every error
// naming the field, the index and what was expected.
import AECheckpoint
import AEJSON

/// A parsed inference body: which model, and the rows to run.
struct InferenceRequest: Sendable {
    /// The model's name, or nil for the configured default.
    var model: String?
    /// A specific version, or nil for the served one.
    var version: Int?
    /// The input rows, row-major.
    var rows: FloatMatrix
    /// Whether the body used the one-row form (`"vector"` / `"latent"`).
    var single: Bool
    /// The field the rows came from, for messages (`vectors`, `latent`, …).
    var field: String

    /// Parses `body`; the batch form is `batchKey` (`vectors`), the one-row form `singleKey` (`vector`).
    /// A route with more fields names them in `extraKeys` and reads each with `extra`.
    static func parse(_ body: [UInt8], batchKey: String, singleKey: String, limit: Int, extraKeys: [String] = [],
                      extra: (String, inout JSONScanner) throws -> Void = { _, _ in }) throws(APIError) -> InferenceRequest {
        var model: String?, version: Int?, rows: FloatMatrix?, single = false, field = batchKey
        try scanJSON(body) { scanner in
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                switch key {
                case "model": model = try scanner.readString()
                case "version": version = try Self.readVersion(&scanner)
                case batchKey where rows != nil, singleKey where rows != nil:
                    // Both forms in one body: which one was meant cannot be told.
                    throw APIError.invalid("conflicting_fields", "give \(batchKey) (a list of rows) or \(singleKey) (one row), not both")
                case batchKey:
                    rows = try scanner.readFloatMatrix()
                    field = batchKey
                case singleKey:
                    let values = try scanner.readFloats()
                    rows = FloatMatrix(values: values, rowCount: 1, columnCount: values.count)
                    single = true
                    field = singleKey
                case _ where extraKeys.contains(key):
                    try extra(key, &scanner)
                default:
                    throw APIError.invalid("unknown_field", Self.unknownFieldMessage(key, known: ["model", "version", batchKey, singleKey] + extraKeys))
                }
            }
        }
        guard let rows else {
            throw APIError.invalid("missing_field", "the body needs \"\(batchKey)\" (a list of rows) or \"\(singleKey)\" (one row)")
        }
        guard rows.rowCount > 0 else { throw APIError.invalid("empty_batch", "\(batchKey) is empty; give at least one row") }
        guard rows.columnCount > 0 else { throw APIError.invalid("dimension_mismatch", "\(field)\(single ? "" : "[0]") is empty") }
        guard rows.rowCount <= limit else {
            throw APIError.invalid("batch_too_large", """
                \(batchKey) has \(rows.rowCount) rows; the limit is \(limit) per request (setting limits.batch_vectors)
                """)
        }
        return InferenceRequest(model: model, version: version, rows: rows, single: single, field: field)
    }

    /// The optional `"version"` field: a positive integer.
    static func readVersion(_ scanner: inout JSONScanner) throws(JSONError) -> Int {
        let version = try scanner.readInteger()
        if let problem = ModelVersion.problem(with: version) { throw scanner.invalidValue(problem) }
        return version
    }

    /// "unknown field 'vector'; this endpoint takes model, version, vectors or vector".
    static func unknownFieldMessage(_ key: String, known: [String]) -> String {
        let list = known.dropLast().joined(separator: ", ") + " or " + (known.last ?? "")
        return "unknown field '\(clipped(key))'; this endpoint takes \(list)"
    }
}

extension APIError {
    /// The API error for a JSON error: 400 for broken JSON, 422 for JSON of the wrong shape.
    init(json error: JSONError) {
        switch error.kind {
        case .syntax, .tooDeep, .duplicateKey:
            self = .malformed("invalid JSON: \(error.description)")
        case .outOfRange:
            self = .invalid("non_finite", "\(error.description); values must be finite 32-bit floats")
        case .ragged:
            self = .invalid("dimension_mismatch", error.description)
        case .typeMismatch, .invalidValue:
            self = .invalid("invalid_field", error.description)
        }
    }
}

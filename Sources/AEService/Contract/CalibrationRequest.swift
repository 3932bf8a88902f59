// The body of POST /models/{name}/versions/{v}/calibrate: the data to calibrate on (the
// forms of a job's dataset), which score kinds, and how ELBO scores are drawn.
import AEData
import AEJSON
import AEMath
import AEModel
import AETraining

/// A parsed calibrate body.
struct CalibrationRequest: Sendable {
    /// The data: a path under a data root or inline vectors, with labels and the classes to
    /// keep (the normal ones).
    var dataset = DatasetSpec()
    /// The kinds to calibrate (nil: every kind the model offers); kinds not named keep
    /// their current calibration.
    var scores: [ScoreKind]?
    /// ELBO draws, seed and objective, each optional.
    var samples: Int?, seed: UInt64?, beta: Double?, loss: Loss?

    static let keys = ["dataset", "scores", "elbo"]
    static let datasetKeys = ["path", "format", "vectors", "limit", "labels", "label_column", "classes"]
    static let elboKeys = ["samples", "seed", "beta", "loss"]

    /// Parses `body`, refusing unknown and duplicate fields.
    static func parse(_ body: [UInt8], maxInlineVectors: Int) throws(APIError) -> CalibrationRequest {
        var request = CalibrationRequest()
        var sawDataset = false
        try scanJSON(body) { scanner in
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                switch key {
                case "dataset":
                    sawDataset = true
                    try request.readDataset(&scanner, maxInlineVectors: maxInlineVectors)
                case "scores":
                    var kinds: [ScoreKind] = []
                    try scanner.beginArray()
                    while try scanner.nextElement() {
                        let name = try scanner.readString()
                        guard let kind = ScoreKind(rawValue: name) else {
                            throw APIError.invalid("invalid_field", "scores[\(kinds.count)] must be one of \(ScoreKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name.prefix(64))'")
                        }
                        kinds.append(kind)
                    }
                    guard !kinds.isEmpty else { throw APIError.invalid("invalid_field", "scores is empty; name at least one score kind or leave it out") }
                    request.scores = kinds
                case "elbo": try request.readELBO(&scanner)
                default: throw APIError.invalid("unknown_field", unknown(key, "", keys))
                }
            }
        }
        guard sawDataset else {
            throw APIError.invalid("missing_field", #"the body needs "dataset": {"path": …} or {"vectors": [[…]]}"#)
        }
        return request
    }

    private mutating func readDataset(_ scanner: inout JSONScanner, maxInlineVectors: Int) throws {
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "path": dataset.path = try scanner.readString()
            case "format":
                let name = try scanner.readString()
                guard let format = DatasetFormat(rawValue: name) else {
                    throw APIError.invalid("invalid_field", "dataset.format must be one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name.prefix(64))'")
                }
                dataset.format = format
            case "vectors":
                let matrix = try scanner.readFloatMatrix()
                guard matrix.rowCount <= maxInlineVectors else {
                    throw APIError.invalid("dataset_too_large", """
                        dataset.vectors has \(matrix.rowCount) vectors; the limit is \(maxInlineVectors) \
                        (setting training.max_inline_vectors); use a file under a data root
                        """)
                }
                guard matrix.rowCount > 0, matrix.columnCount > 0 else {
                    throw APIError.invalid("empty_batch", "dataset.vectors is empty; give at least one vector")
                }
                dataset.vectors = (0..<matrix.rowCount).map { r in
                    Array(matrix.values[(r * matrix.columnCount)..<((r + 1) * matrix.columnCount)])
                }
            case "limit":
                let limit = try scanner.readInteger()
                guard limit >= 1 else { throw APIError.invalid("invalid_field", "dataset.limit must be at least 1, got \(limit)") }
                dataset.limit = limit
            case "labels": dataset.labels = try scanner.readString()
            case "label_column":
                if try scanner.peek() == .string {
                    dataset.labelColumn = .name(try scanner.readString())
                } else {
                    let index = try scanner.readInteger()
                    guard index >= 0 else { throw APIError.invalid("invalid_field", "dataset.label_column must be ≥ 0 or a header name, got \(index)") }
                    dataset.labelColumn = .index(index)
                }
            case "classes":
                var list: [Int] = []
                try scanner.beginArray()
                while try scanner.nextElement() {
                    let value = try scanner.readInteger()
                    guard abs(value) <= Labels.maximumMagnitude else {
                        throw APIError.invalid("invalid_field", "dataset.classes[\(list.count)] is \(value), outside ±\(Labels.maximumMagnitude)")
                    }
                    list.append(value)
                }
                dataset.classes = list
            default: throw APIError.invalid("unknown_field", Self.unknown(key, "dataset.", Self.datasetKeys))
            }
        }
    }

    private mutating func readELBO(_ scanner: inout JSONScanner) throws {
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "samples":
                let value = try scanner.readInteger()
                guard (1...ELBOSettings.maximumSamples).contains(value) else {
                    throw APIError.invalid("invalid_field", "elbo.samples must be from 1 to \(ELBOSettings.maximumSamples), got \(value)")
                }
                samples = value
            case "seed":
                let value = try scanner.readInteger()
                guard value >= 0 else { throw APIError.invalid("invalid_field", "elbo.seed must be a non-negative integer, got \(value)") }
                seed = UInt64(value)
            case "beta":
                let value = try scanner.readDouble()
                guard value >= 0 else { throw APIError.invalid("invalid_field", "elbo.beta must be ≥ 0, got \(value)") }
                beta = value
            case "loss":
                let name = try scanner.readString()
                guard let value = Loss(rawValue: name) else {
                    throw APIError.invalid("invalid_field", "elbo.loss must be one of \(Loss.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name.prefix(64))'")
                }
                loss = value
            default: throw APIError.invalid("unknown_field", Self.unknown(key, "elbo.", Self.elboKeys))
            }
        }
    }

    private static func unknown(_ key: String, _ prefix: String, _ known: [String]) -> String {
        "unknown field '\(prefix)\(key.prefix(64))'; allowed there: \(known.joined(separator: ", "))"
    }
}

// Inline JSON vectors, as sent in request bodies or kept in small files: `[[0.1, 0.2], …]` or
// `{"vectors": [[0.1, 0.2], …]}`. Foundation's decoder does the parsing; meant for small data.
import Foundation

/// Reads JSON arrays of vectors into a dataset.
public enum JSONReader {
    private struct Wrapped: Decodable {
        let vectors: [[Float]]
    }

    /// Reads `[[…], …]` or `{"vectors": [[…], …]}`, refusing empty, ragged or non-numeric data.
    public static func read(_ bytes: [UInt8], source: String, limit: Int? = nil) throws -> Dataset {
        let rows = try Dataset.rowsToKeep(of: .max, limit: limit, source: source)
        let firstByte = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        let vectors: [[Float]]
        do {
            switch firstByte {
            case UInt8(ascii: "["): vectors = try JSONDecoder().decode([[Float]].self, from: Data(bytes))
            case UInt8(ascii: "{"): vectors = try JSONDecoder().decode(Wrapped.self, from: Data(bytes)).vectors
            default:
                throw DataError(.malformed, source: source, at: .whole,
                                "expected a JSON array of vectors [[…], …] or an object {\"vectors\": [[…], …]}")
            }
        } catch let error as DecodingError {
            throw dataError(error, source: source)
        }
        return try Dataset(vectors: Array(vectors.prefix(rows)), source: source)
    }

    /// Turns the decoder's coding path into a row and column, and keeps its explanation.
    private static func dataError(_ error: DecodingError, source: String) -> DataError {
        let context: DecodingError.Context
        let expected: String
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
            expected = "expected a number in an array of arrays"
        case .keyNotFound(let key, let c):
            context = c
            expected = "expected the key \"\(key.stringValue)\" holding [[…], …]"
        case .dataCorrupted(let c):
            context = c
            expected = "expected valid JSON with finite Float32 numbers"
        @unknown default:
            return DataError(.malformed, source: source, at: .whole, "\(error)")
        }
        let indices = context.codingPath.compactMap(\.intValue)
        let position: DataError.Position = switch indices.count {
        case 0: .whole
        case 1: .row(indices[0], column: nil)
        default: .row(indices[0], column: indices[1])
        }
        var detail = context.debugDescription
        if let underlying = context.underlyingError { detail += " (\(underlying.localizedDescription))" }
        return DataError(.malformed, source: source, at: position, "\(expected): \(detail)")
    }
}

// A gzip file that does not inflate, as a DataError naming the file and the byte.
import Compression
import Foundation  // ContiguousBytes

extension DataError {
    /// `error` from inflating the file or stream `source`.
    init(_ error: CompressionError, source: String) {
        let kind: Kind = switch error.kind {
        case .truncated: .truncated
        case .corrupt: .corrupt
        case .tooLarge: .tooLarge
        case .zlibFailure: .unreadable
        }
        let message = error.kind == .truncated ? "\(error.message); the file is truncated" : error.message
        self.init(kind, source: source, at: .byte(error.offset), message)
    }
}

extension Gzip {
    /// Inflates the gzip file or stream `source` under `limit` bytes of output; errors are
    /// `DataError`s that name it.
    static func decompress(_ bytes: some ContiguousBytes, limit: Int, source: String) throws(DataError) -> [UInt8] {
        do {
            return try decompress(bytes, limit: limit)
        } catch {
            throw DataError(error, source: source)
        }
    }
}

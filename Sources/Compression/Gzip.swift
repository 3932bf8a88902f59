// gzip (RFC 1952) in one call each way, for callers that hold the whole stream.
import Foundation  // ContiguousBytes

/// One-call gzip compression and limited decompression.
public enum Gzip {
    /// True when `bytes` starts with the gzip magic 1f 8b.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1f && iterator.next() == 0x8b
    }

    /// `bytes` as one gzip member at zlib `level` (0 stores, 1 fastest … 9 smallest).
    public static func compress(_ bytes: some ContiguousBytes, level: Int32 = 6) -> [UInt8] {
        Deflater.compress(bytes, format: .gzip, level: level)
    }

    /// Inflates every gzip member in `bytes`, refusing output over `limit` bytes.
    public static func decompress(_ bytes: some ContiguousBytes, limit: Int = .max) throws(CompressionError) -> [UInt8] {
        try Inflater.inflate(bytes, accepting: [.gzip], limit: limit)
    }
}

// gzip (RFC 1952) through zlib: inflate into one buffer sized from the ISIZE trailer, with a
// hard output limit so a small bomb cannot exhaust memory; deflate for tests and HTTP bodies.
import CZlib
import Foundation  // ContiguousBytes: one signature for [UInt8] and Data

/// gzip decompression and compression through zlib.
public enum Gzip {
    /// True when `bytes` starts with the gzip magic 1f 8b.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1f && iterator.next() == 0x8b
    }

    /// Inflates every gzip member in `bytes`; throws when the stream is truncated or corrupt,
    /// or when the output would exceed `limit` bytes.
    public static func decompress(_ bytes: some ContiguousBytes, limit: Int = .max, source: String) throws -> [UInt8] {
        try bytes.withUnsafeBytes { input in
            try decompress(UnsafeRawBufferPointer(input), limit: limit, source: source)
        }
    }

    private static func decompress(_ input: UnsafeRawBufferPointer, limit: Int, source: String) throws -> [UInt8] {
        precondition(limit >= 0, "Gzip.decompress: limit must not be negative")
        // One byte past the limit tells "exactly at the limit" from "over it".
        let capacityCap = limit == .max ? Int.max : limit + 1
        var output = [UInt8](repeating: 0, count: min(initialCapacity(for: input), capacityCap))
        var produced = 0

        var stream = z_stream()
        // 15 + 16: a 32 KiB window and a gzip wrapper only (zlib or raw deflate is refused).
        let status = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DataError(.unreadable, source: source, at: .byte(0), "zlib inflateInit2 failed with status \(status)")
        }
        defer { inflateEnd(&stream) }

        var consumed = 0
        var memberStart = 0
        while true {
            if produced == output.count {
                guard output.count < capacityCap else { break }
                let grown = min(max(output.count * 2, 1 << 16), capacityCap)
                output.append(contentsOf: repeatElement(0, count: grown - output.count))
            }
            // zlib counts in 32-bit uInt, so feed at most 1 GiB per call of input and of output.
            let inChunk = min(input.count - consumed, 1 << 30)
            let outChunk = min(output.count - produced, 1 << 30)
            let result: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                    .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inChunk)
                stream.next_out = out.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outChunk)
                let result = inflate(&stream, Z_NO_FLUSH)
                consumed += inChunk - Int(stream.avail_in)
                produced += outChunk - Int(stream.avail_out)
                return result
            }
            guard produced <= limit else { break }
            switch result {
            case Z_STREAM_END:
                // RFC 1952 §2.2: a gzip file is a series of members; go on while input remains.
                if consumed == input.count {
                    output.removeSubrange(produced...)  // in place: no second copy of a large buffer
                    return output
                }
                memberStart = consumed
                inflateReset(&stream)
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == input.count:
                throw DataError(.truncated, source: source, at: .byte(consumed),
                                "gzip stream ends before its end marker (member starting at byte \(memberStart)); the file is truncated")
            case Z_BUF_ERROR:
                continue  // no progress possible only because the output is full; grow it
            case Z_DATA_ERROR, Z_STREAM_ERROR, Z_NEED_DICT:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(result)"
                throw DataError(.corrupt, source: source, at: .byte(consumed),
                                "corrupt gzip data (member starting at byte \(memberStart)): zlib says \"\(reason)\"")
            default:
                throw DataError(.unreadable, source: source, at: .byte(consumed), "zlib inflate failed with status \(result)")
            }
        }
        throw DataError(.tooLarge, source: source, at: .byte(consumed),
                        "decompressed data exceeds the limit of \(limit) bytes")
    }

    /// The ISIZE trailer (uncompressed size mod 2³²) as a starting size: a hint only, because
    /// a multi-member file or one over 4 GiB makes it lie; deflate never expands more than 1032:1.
    private static func initialCapacity(for input: UnsafeRawBufferPointer) -> Int {
        let ceiling = input.count.multipliedReportingOverflow(by: 1032)
        let maximum = ceiling.overflow ? Int.max : ceiling.partialValue + 1
        guard input.count >= 18 else { return min(1 << 16, maximum) }
        let isize = UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self))
        // One spare byte lets inflate reach the end marker without a needless doubling.
        return min(max(Int(isize) + 1, 1 << 12), maximum)
    }

    /// Compresses `bytes` into one gzip member at zlib `level` (0 = store, 9 = smallest).
    public static func compress(_ bytes: some ContiguousBytes, level: Int32 = 6) -> [UInt8] {
        precondition((0 ... 9).contains(level), "Gzip.compress: level must be 0...9, got \(level)")
        return bytes.withUnsafeBytes { input in
            var stream = z_stream()
            // Only bad arguments or no memory make these fail: both are programming errors here.
            let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                       zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            precondition(status == Z_OK, "zlib deflateInit2 failed with status \(status)")
            defer { deflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
            var consumed = 0, produced = 0
            while true {
                let inChunk = min(input.count - consumed, 1 << 30)
                let isLast = consumed + inChunk == input.count
                if produced == output.count { output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 12))) }
                let outChunk = min(output.count - produced, 1 << 30)
                let result: Int32 = output.withUnsafeMutableBytes { out in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                        .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                    stream.avail_in = uInt(inChunk)
                    stream.next_out = out.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(outChunk)
                    let result = deflate(&stream, isLast ? Z_FINISH : Z_NO_FLUSH)
                    consumed += inChunk - Int(stream.avail_in)
                    produced += outChunk - Int(stream.avail_out)
                    return result
                }
                if result == Z_STREAM_END {
                    output.removeSubrange(produced...)
                    return output
                }
                precondition(result == Z_OK || result == Z_BUF_ERROR, "zlib deflate failed with status \(result)")
            }
        }
    }
}

// Compression through zlib into gzip or zlib streams, whole or a chunk at a time.
import CZlib
import Foundation  // ContiguousBytes: one signature for [UInt8] and Data

/// Compresses a stream given in chunks of any size into one gzip member or zlib stream.
///
/// ```swift
/// let deflater = Deflater(format: .gzip, level: 6)
/// var compressed = deflater.compress(part1) + deflater.compress(part2)
/// compressed += deflater.finish()
/// ```
///
/// Not thread-safe: one owner feeds it.
public final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>  // zlib keeps a pointer back to it: it must not move
    private var finished = false

    /// A deflater at zlib `level` (0 stores, 1 fastest … 9 smallest).
    public init(format: CompressionFormat = .gzip, level: Int32 = 6) {
        precondition((0 ... 9).contains(level), "Deflater: level must be 0...9, got \(level)")
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 (a 32 KiB window); + 16 asks for a gzip wrapper instead of a zlib one.
        let windowBits: Int32 = format == .gzip ? 15 + 16 : 15
        let status = deflateInit2_(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        // It fails only for bad arguments (checked above) or without memory for its state.
        precondition(status == Z_OK, "zlib deflateInit2 failed with status \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `bytes`; returns what zlib has ready (often nothing until more arrives).
    public func compress(_ bytes: some ContiguousBytes) -> [UInt8] {
        bytes.withUnsafeBytes { run($0, flush: Z_NO_FLUSH) }
    }

    /// Ends the stream: returns what zlib still holds and the trailer.
    public func finish() -> [UInt8] { finish([UInt8]()) }

    /// Compresses `bytes` as the last input and returns the rest of the stream with its trailer.
    public func finish(_ bytes: some ContiguousBytes) -> [UInt8] {
        precondition(!finished, "Deflater.finish called twice")
        finished = true
        return bytes.withUnsafeBytes { run($0, flush: Z_FINISH) }
    }

    private func run(_ input: UnsafeRawBufferPointer, flush: Int32) -> [UInt8] {
        precondition(!finished || flush == Z_FINISH, "Deflater used after finish")
        // deflateBound is the most one call can need when it is the whole stream; a stream
        // fed in chunks may need a little more, and the buffer grows then.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(input.count))))
        var consumed = 0, produced = 0
        while true {
            if produced == output.count { output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 12))) }
            let offered = min(input.count - consumed, 1 << 30)  // zlib counts in 32 bits
            let isLast = consumed + offered == input.count
            let room = min(output.count - produced, 1 << 30)
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                    .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(offered)
                stream.pointee.next_out = out.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(room)
                return deflate(stream, isLast ? flush : Z_NO_FLUSH)
            }
            consumed += offered - Int(stream.pointee.avail_in)
            produced += room - Int(stream.pointee.avail_out)
            precondition(status == Z_OK || status == Z_BUF_ERROR || status == Z_STREAM_END,
                         "zlib deflate failed with status \(status)")
            let done = flush == Z_FINISH ? status == Z_STREAM_END
                : consumed == input.count && stream.pointee.avail_out > 0
            if done {
                output.removeSubrange(produced...)
                return output
            }
        }
    }

    /// `bytes` as one whole stream in `format` at zlib `level`.
    public static func compress(_ bytes: some ContiguousBytes, format: CompressionFormat = .gzip,
                                level: Int32 = 6) -> [UInt8] {
        Deflater(format: format, level: level).finish(bytes)
    }
}

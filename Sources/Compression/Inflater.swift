// Incremental inflation through zlib: compressed chunks in, output out, held to a limit on
// the total output so that a small bomb costs little; gzip members may follow one another.
import CZlib
import Foundation  // ContiguousBytes: one signature for [UInt8] and Data

/// Inflates a gzip or zlib stream given in chunks of any size.
///
/// ```swift
/// let inflater = Inflater(accepting: [.gzip], limit: 1 << 30)
/// for chunk in upload { try inflater.inflate(chunk) { output in try file.write(output) } }
/// try inflater.finish()   // throws `.truncated` if the stream stopped inside a member
/// ```
///
/// Not thread-safe: one owner feeds it. After an error every call throws that error again.
public final class Inflater {
    /// Output bytes allowed in total; one more is `.tooLarge`.
    public let limit: Int
    /// Compressed bytes read so far.
    public private(set) var totalIn = 0
    /// Inflated bytes produced so far.
    public private(set) var totalOut = 0

    private enum State { case start, inMember, memberEnded }

    private let formats: Set<CompressionFormat>
    private let stream: UnsafeMutablePointer<z_stream>  // zlib keeps a pointer back to it: it must not move
    private var state = State.start
    private var memberStart = 0
    private var failure: CompressionError?
    private var scratch: [UInt8] = []

    /// An inflater for streams in `formats` (both: told apart by their header) whose output may
    /// reach `limit` bytes.
    public init(accepting formats: Set<CompressionFormat> = [.gzip], limit: Int = .max) {
        precondition(!formats.isEmpty, "Inflater: accept at least one format")
        precondition(limit >= 0, "Inflater: limit must not be negative, got \(limit)")
        self.formats = formats
        self.limit = limit
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 (a 32 KiB window) + 16: gzip only, + 32: gzip or zlib by header, alone: zlib.
        let windowBits: Int32 = formats == [.gzip] ? 15 + 16 : formats == [.zlib] ? 15 : 15 + 32
        let status = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        // It fails only without memory for its 7 KiB of state, or with a zlib of another ABI.
        precondition(status == Z_OK, "zlib inflateInit2 failed with status \(status)")
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates `input`, handing the output to `sink` in pieces of at most 64 KiB. Throws a
    /// `CompressionError` for bad data or output past the limit, or what `sink` throws.
    public func inflate(_ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if scratch.isEmpty { scratch = [UInt8](repeating: 0, count: 64 * 1024) }
        var offset = 0
        while true {
            let (consumed, produced) = try scratch.withUnsafeMutableBytes { (out) throws(CompressionError) in
                try run(UnsafeRawBufferPointer(rebasing: input[offset...]), into: out)
            }
            offset += consumed
            if produced > 0 { try scratch.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[..<produced])) } }
            // A full scratch buffer may leave output inside zlib even when the input is used up.
            if offset == input.count && produced < scratch.count { return }
            if consumed == 0 && produced == 0 { throw fail(.zlibFailure, "zlib inflate made no progress") }
        }
    }

    /// Inflates `input` and returns its output (which `limit` bounds).
    public func inflate(_ input: some ContiguousBytes) throws(CompressionError) -> [UInt8] {
        var output: [UInt8] = []
        do {
            try input.withUnsafeBytes { try inflate($0) { output.append(contentsOf: $0) } }
        } catch let error as CompressionError {
            throw error
        } catch {
            preconditionFailure("appending to an array cannot throw: \(error)")
        }
        return output
    }

    /// Says the input is over: throws `.truncated` unless it ended where a member ends.
    public func finish() throws(CompressionError) {
        if let failure { throw failure }
        guard state == .memberEnded else {
            throw fail(.truncated, state == .start
                ? "the compressed stream is empty"
                : "the compressed stream ends before its end marker (member starting at byte \(memberStart))")
        }
    }

    /// Inflates from `input` into `output` until the input is used up or the output is full;
    /// returns how much of each was used.
    func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(CompressionError) -> (consumed: Int, produced: Int) {
        if let failure { throw failure }
        var consumed = 0, produced = 0
        while true {
            if state == .memberEnded {
                guard consumed < input.count else { break }
                // RFC 1952 §2.2: a gzip file is a series of members. A zlib stream has one.
                guard formats.contains(.gzip) else {
                    throw fail(.corrupt, "bytes follow the end of the zlib stream")
                }
                inflateReset(stream)
                memberStart = totalIn
                state = .inMember
            }
            // One byte past the limit tells "exactly at the limit" from "over it".
            let allowed = limit == .max ? Int.max : limit - totalOut + 1
            let room = min(output.count - produced, allowed, 1 << 30)  // zlib counts in 32 bits
            guard room > 0 else { break }
            let offered = min(input.count - consumed, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(offered)
            stream.pointee.next_out = output.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let read = offered - Int(stream.pointee.avail_in), made = room - Int(stream.pointee.avail_out)
            consumed += read
            produced += made
            totalIn += read
            totalOut += made
            if state == .start && read > 0 { state = .inMember }
            if totalOut > limit { throw fail(.tooLarge, "decompressed data exceeds the limit of \(limit) bytes") }
            switch status {
            case Z_STREAM_END:
                state = .memberEnded
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                return (consumed, produced)  // no progress without more input (or more room)
            case Z_NEED_DICT:
                throw fail(.corrupt, "corrupt compressed data (member starting at byte \(memberStart)): it needs a preset dictionary")
            case Z_DATA_ERROR, Z_STREAM_ERROR:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw fail(.corrupt, "corrupt compressed data (member starting at byte \(memberStart)): zlib says \"\(reason)\"")
            default:
                throw fail(.zlibFailure, "zlib inflate failed with status \(status)")
            }
        }
        return (consumed, produced)
    }

    private func fail(_ kind: CompressionError.Kind, _ message: String) -> CompressionError {
        let error = CompressionError(kind, offset: totalIn, memberStart: memberStart, message: message)
        failure = error
        return error
    }
}

extension Inflater {
    /// Inflates a whole stream held in memory (gzip members or one zlib stream, as `formats`
    /// allows) into one buffer, refusing output over `limit` bytes.
    public static func inflate(_ bytes: some ContiguousBytes, accepting formats: Set<CompressionFormat> = [.gzip],
                               limit: Int = .max) throws(CompressionError) -> [UInt8] {
        let inflater = Inflater(accepting: formats, limit: limit)
        let result: Result<[UInt8], CompressionError> = bytes.withUnsafeBytes { input in
            // Grown in place rather than appended from a scratch buffer: a 47 MB dataset is
            // then written once, not copied.
            let capacityCap = limit == .max ? Int.max : limit + 1
            var output = [UInt8](repeating: 0, count: min(initialCapacity(for: input), capacityCap))
            var consumed = 0, produced = 0
            do throws(CompressionError) {
                while true {
                    if produced == output.count {
                        let grown = min(max(output.count * 2, 1 << 16), capacityCap)
                        output.append(contentsOf: repeatElement(0, count: grown - output.count))
                    }
                    // withUnsafeMutableBytes rethrows untyped errors: carry the typed one out in a Result.
                    let (read, made) = try output.withUnsafeMutableBytes { out in
                        Result { () throws(CompressionError) in
                            try inflater.run(UnsafeRawBufferPointer(rebasing: input[consumed...]),
                                             into: UnsafeMutableRawBufferPointer(rebasing: out[produced...]))
                        }
                    }.get()
                    consumed += read
                    produced += made
                    // Done when the input is used up with room to spare (nothing left in zlib);
                    // no progress with room to spare means the input cannot go further.
                    if produced < output.count && (consumed == input.count || read == 0 && made == 0) { break }
                }
                try inflater.finish()
            } catch {
                return .failure(error)
            }
            output.removeSubrange(produced...)  // in place: no second copy of a large buffer
            return .success(output)
        }
        return try result.get()
    }

    /// A starting size: a gzip ISIZE trailer (size mod 2³²) is a hint only, because a
    /// multi-member file or one over 4 GiB makes it lie; deflate never expands more than 1032:1.
    private static func initialCapacity(for input: UnsafeRawBufferPointer) -> Int {
        let ceiling = input.count.multipliedReportingOverflow(by: 1032)
        let maximum = ceiling.overflow ? Int.max : ceiling.partialValue + 1
        guard input.count >= 18, Gzip.isGzip(input) else { return min(1 << 16, maximum) }
        let isize = UInt32(littleEndian: input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self))
        // One spare byte lets inflate reach the end marker without a needless doubling.
        return min(max(Int(isize) + 1, 1 << 12), maximum)
    }
}

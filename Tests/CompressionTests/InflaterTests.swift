import Testing
import Compression

/// Inflating in chunks: any split gives the same output, the limit holds across chunks, and
/// the formats accepted are the ones asked for.
@Suite struct InflaterTests {
    static let sample = GzipTests.sample
    /// zlib.compress(b"hello deflate") in Python: a zlib-wrapped stream (HTTP's "deflate").
    static let zlibStream: [UInt8] = [120, 156, 203, 72, 205, 201, 201, 87, 72, 73, 77, 203, 73, 44, 73, 5, 0, 35, 12, 5, 10]

    /// Feeds `input` to `inflater` in pieces of `size` bytes and returns the output.
    static func feed(_ input: [UInt8], to inflater: Inflater, pieceSize size: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        for start in stride(from: 0, to: input.count, by: size) {
            try input[start ..< min(start + size, input.count)].withUnsafeBytes { piece in
                try inflater.inflate(piece) { output.append(contentsOf: $0) }
            }
        }
        try inflater.finish()
        return output
    }

    @Test("two gzip members fed in pieces of 1, 7, 4096 and 1 MiB bytes inflate to the same bytes")
    func anySplit() throws {
        let joined = Gzip.compress(Array(Self.sample[..<30_000])) + Gzip.compress(Array(Self.sample[30_000...]))
        for size in [1, 7, 4096, 1 << 20] {
            let inflater = Inflater(accepting: [.gzip])
            #expect(try Self.feed(joined, to: inflater, pieceSize: size) == Self.sample, "pieces of \(size)")
            #expect(inflater.totalIn == joined.count && inflater.totalOut == Self.sample.count)
        }
    }

    @Test("the limit holds across pieces: a bomb stops just past it, and every later call fails the same way")
    func limitAcrossPieces() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 16 << 20), level: 9)
        let inflater = Inflater(accepting: [.gzip], limit: 1 << 20)
        var delivered = 0
        var failure: CompressionError?
        for start in stride(from: 0, to: bomb.count, by: 1024) where failure == nil {
            do {
                try bomb[start ..< min(start + 1024, bomb.count)].withUnsafeBytes { piece in
                    try inflater.inflate(piece) { delivered += $0.count }
                }
            } catch let error as CompressionError {
                failure = error
            }
        }
        #expect(failure?.kind == .tooLarge)
        #expect(delivered <= 1 << 20, "the sink was handed \(delivered) bytes")
        if let failure { #expect(throws: failure) { try inflater.finish() } }
    }

    @Test("input that stops inside a member is truncated only when finish says the input is over")
    func truncatedOnFinish() throws {
        let compressed = Gzip.compress(Self.sample)
        let inflater = Inflater(accepting: [.gzip])
        let partial = try inflater.inflate(Array(compressed[..<(compressed.count - 3)]))
        #expect(partial.count <= Self.sample.count)
        let error = #expect(throws: CompressionError.self) { try inflater.finish() }
        #expect(error?.kind == .truncated && error?.offset == compressed.count - 3)
    }

    @Test("a zlib stream inflates when zlib is accepted, and is corrupt for a gzip-only inflater")
    func formats() throws {
        let hello = Array("hello deflate".utf8)
        #expect(try Inflater.inflate(Self.zlibStream, accepting: [.zlib]) == hello)
        #expect(try Inflater.inflate(Self.zlibStream, accepting: [.gzip, .zlib]) == hello)
        #expect(try Inflater.inflate(Gzip.compress(hello), accepting: [.gzip, .zlib]) == hello)
        let error = #expect(throws: CompressionError.self) { try Inflater.inflate(Self.zlibStream, accepting: [.gzip]) }
        #expect(error?.kind == .corrupt)
    }

    @Test("bytes after the end of a zlib stream are refused (one stream, unlike gzip's members)")
    func zlibTrailingBytes() {
        let error = #expect(throws: CompressionError.self) {
            try Inflater.inflate(Self.zlibStream + [1, 2, 3], accepting: [.zlib])
        }
        #expect(error?.kind == .corrupt && error?.message.contains("follow the end") == true)
    }
}

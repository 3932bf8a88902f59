import Foundation
import Testing
import Compression

/// Whole-stream gzip: round trips, members, and each way a stream can be bad.
@Suite struct GzipTests {
    /// Bytes that compress but not to nothing: a repeating ramp with some noise.
    static let sample: [UInt8] = (0 ..< 100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 ^ ($0 >> 7)) }

    /// Runs `body`, which must throw a CompressionError of `kind`; returns it.
    @discardableResult
    static func expectError(_ kind: CompressionError.Kind, containing parts: [String] = [],
                            sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) -> CompressionError? {
        do {
            try body()
            Issue.record("expected a \(kind) error, got none", sourceLocation: sourceLocation)
        } catch let error as CompressionError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            for part in parts {
                #expect(error.message.contains(part), "\"\(error.message)\" lacks \"\(part)\"", sourceLocation: sourceLocation)
            }
            return error
        } catch {
            Issue.record("expected a CompressionError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test("compress makes a gzip member that decompress restores")
    func roundTrip() throws {
        let compressed = Gzip.compress(Self.sample)
        #expect(Gzip.isGzip(compressed))
        #expect(compressed.count < Self.sample.count)
        #expect(try Gzip.decompress(compressed) == Self.sample)
        #expect(try Gzip.decompress(Data(compressed)) == Self.sample)
        #expect(try Gzip.decompress(Gzip.compress([UInt8]())) == [])
    }

    @Test("a member made by Python's gzip module inflates (an independent encoder)")
    func pythonMember() throws {
        // gzip.compress(b"hello from python gzip", mtime=0)
        let member: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 87, 72, 43, 202, 207, 85, 40,
                               168, 44, 201, 200, 207, 83, 72, 175, 202, 44, 0, 0, 100, 46, 47, 117, 22, 0, 0, 0]
        #expect(try Gzip.decompress(member) == Array("hello from python gzip".utf8))
    }

    @Test("concatenated members decompress to the concatenated data (RFC 1952 §2.2)")
    func multipleMembers() throws {
        let first = Array(Self.sample[..<40_000]), second = Array(Self.sample[40_000...])
        // The ISIZE trailer of the last member understates the total: the buffer must grow.
        let joined = Gzip.compress(first) + Gzip.compress(second, level: 1)
        #expect(try Gzip.decompress(joined) == Self.sample)
    }

    @Test("a stream cut short is truncated at its end; an empty one at byte 0")
    func truncatedStream() throws {
        let compressed = Gzip.compress(Self.sample)
        let cut = Array(compressed[..<(compressed.count / 2)])
        let error = Self.expectError(.truncated, containing: ["end marker", "member starting at byte 0"]) {
            _ = try Gzip.decompress(cut)
        }
        #expect(error?.offset == cut.count)
        #expect(Self.expectError(.truncated) { _ = try Gzip.decompress([UInt8]()) }?.offset == 0)
    }

    @Test("a flipped byte in the CRC is corrupt data, in zlib's words")
    func badChecksum() throws {
        var compressed = Gzip.compress(Self.sample)
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        Self.expectError(.corrupt, containing: ["incorrect data check"]) { _ = try Gzip.decompress(compressed) }
    }

    @Test("flipped bytes in the deflate data are corrupt, with a non-empty zlib message")
    func corruptData() throws {
        var compressed = Gzip.compress(Self.sample)
        for i in stride(from: 20, to: 60, by: 3) { compressed[i] ^= 0x5A }
        let error = Self.expectError(.corrupt, containing: ["zlib says"]) { _ = try Gzip.decompress(compressed) }
        #expect(error?.message.contains("\"\"") == false, "zlib's message should not be empty")
    }

    @Test("output over the limit is its own error naming the limit; exactly at it is fine")
    func limitIsEnforced() throws {
        let compressed = Gzip.compress(Self.sample)
        Self.expectError(.tooLarge, containing: ["limit of 99999 bytes"]) { _ = try Gzip.decompress(compressed, limit: 99_999) }
        #expect(try Gzip.decompress(compressed, limit: 100_000).count == 100_000)
        // A bomb: 64 MiB of zeros squeezed to ~64 KiB must stop at the limit, not allocate it all.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 64 << 20), level: 9)
        Self.expectError(.tooLarge, containing: ["limit of 1048576 bytes"]) { _ = try Gzip.decompress(bomb, limit: 1 << 20) }
    }

    @Test("bytes that are not gzip at all are corrupt: zlib names the bad header")
    func notGzip() {
        Self.expectError(.corrupt, containing: ["incorrect header check"]) {
            _ = try Gzip.decompress(Array("hello, world, this is not gzip".utf8))
        }
        #expect(!Gzip.isGzip(Array("hello".utf8)) && !Gzip.isGzip([UInt8]()))
    }
}

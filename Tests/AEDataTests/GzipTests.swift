import Foundation
import Testing
import AEData

@Suite struct GzipTests {
    /// Bytes that compress but not to nothing: a repeating ramp with some noise.
    static let sample: [UInt8] = (0 ..< 100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 ^ ($0 >> 7)) }

    @Test("compress makes a gzip member that decompress restores")
    func roundTrip() throws {
        let compressed = Gzip.compress(Self.sample)
        #expect(Gzip.isGzip(compressed))
        #expect(compressed.count < Self.sample.count)
        #expect(try Gzip.decompress(compressed, source: "t.gz") == Self.sample)
        #expect(try Gzip.decompress(Data(compressed), source: "t.gz") == Self.sample)
        #expect(try Gzip.decompress(Gzip.compress([UInt8]()), source: "empty.gz") == [])
    }

    @Test("concatenated members decompress to the concatenated data (RFC 1952 §2.2)")
    func multipleMembers() throws {
        let first = Array(Self.sample[..<40_000]), second = Array(Self.sample[40_000...])
        // The ISIZE trailer of the last member understates the total: the buffer must grow.
        let joined = Gzip.compress(first) + Gzip.compress(second, level: 1)
        #expect(try Gzip.decompress(joined, source: "two.gz") == Self.sample)
    }

    @Test("a stream cut short is reported as truncated at its end")
    func truncatedStream() throws {
        let compressed = Gzip.compress(Self.sample)
        let cut = Array(compressed[..<(compressed.count / 2)])
        expectDataError(.truncated, containing: ["cut.gz", "byte \(cut.count)", "truncated"]) {
            _ = try Gzip.decompress(cut, source: "cut.gz")
        }
    }

    @Test("a flipped byte in the CRC is reported as corrupt with zlib's message")
    func badChecksum() throws {
        var compressed = Gzip.compress(Self.sample)
        compressed[compressed.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        expectDataError(.corrupt, containing: ["bad.gz", "byte ", "incorrect data check"]) {
            _ = try Gzip.decompress(compressed, source: "bad.gz")
        }
    }

    @Test("flipped bytes in the deflate data are reported as corrupt with zlib's message")
    func corruptData() throws {
        var compressed = Gzip.compress(Self.sample)
        for i in stride(from: 20, to: 60, by: 3) { compressed[i] ^= 0x5A }
        let error = expectDataError(.corrupt, containing: ["bad.gz", "byte ", "zlib says"]) {
            _ = try Gzip.decompress(compressed, source: "bad.gz")
        }
        #expect(error?.message.contains("\"\"") == false, "zlib's message should not be empty")
    }

    @Test("output over the limit is its own error naming the limit; exactly at it is fine")
    func limitIsEnforced() throws {
        let compressed = Gzip.compress(Self.sample)
        expectDataError(.tooLarge, containing: ["big.gz", "limit of 99999 bytes"]) {
            _ = try Gzip.decompress(compressed, limit: 99_999, source: "big.gz")
        }
        #expect(try Gzip.decompress(compressed, limit: 100_000, source: "big.gz").count == 100_000)
        // A bomb: 64 MiB of zeros squeezed to ~64 KiB must stop at the limit, not allocate it all.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 64 << 20), level: 9)
        expectDataError(.tooLarge, containing: ["limit of 1048576 bytes"]) {
            _ = try Gzip.decompress(bomb, limit: 1 << 20, source: "bomb.gz")
        }
    }

    @Test("bytes that are not gzip at all are refused")
    func notGzip() {
        expectDataError(.corrupt, containing: ["plain.txt", "byte ", "incorrect header check"]) {
            _ = try Gzip.decompress(Array("hello, world, this is not gzip".utf8), source: "plain.txt")
        }
        expectDataError(.truncated, containing: ["empty.gz", "byte 0"]) {
            _ = try Gzip.decompress([UInt8](), source: "empty.gz")
        }
    }
}

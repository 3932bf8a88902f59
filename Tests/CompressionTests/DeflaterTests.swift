import Testing
import Compression

/// Compressing in chunks gives a stream that inflates to the whole input, in either format.
@Suite struct DeflaterTests {
    @Test("chunks compressed one after another inflate to their concatenation, gzip and zlib")
    func chunked() throws {
        let sample = GzipTests.sample
        for format in [CompressionFormat.gzip, .zlib] {
            let deflater = Deflater(format: format, level: 6)
            var compressed: [UInt8] = []
            for start in stride(from: 0, to: sample.count, by: 9_999) {
                compressed += deflater.compress(Array(sample[start ..< min(start + 9_999, sample.count)]))
            }
            compressed += deflater.finish()
            #expect(try Inflater.inflate(compressed, accepting: [format]) == sample, "\(format)")
        }
    }

    @Test("level 0 stores, level 9 is no larger than level 1, and each inflates back")
    func levels() throws {
        let text = Array(String(repeating: "all work and no play makes jack a dull boy\n", count: 500).utf8)
        let stored = Gzip.compress(text, level: 0), fast = Gzip.compress(text, level: 1), small = Gzip.compress(text, level: 9)
        #expect(stored.count > text.count)
        #expect(small.count <= fast.count && fast.count < text.count / 10)
        for compressed in [stored, fast, small] { #expect(try Gzip.decompress(compressed) == text) }
    }
}

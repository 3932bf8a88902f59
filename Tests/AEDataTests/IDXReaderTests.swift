import Foundation
import Testing
import AEData
import Compression

@Suite struct IDXReaderTests {
    /// An IDX file: magic 00 00 type rank, big-endian sizes, then `data`.
    static func idx(type: UInt8, dims: [UInt32], data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for dim in dims { bytes.appendBigEndian(dim) }
        return bytes + data
    }

    /// Three 2×2 uint8 images.
    static let images = idx(type: 0x08, dims: [3, 2, 2], data: [0, 51, 102, 255, 1, 2, 3, 4, 250, 251, 252, 253])

    @Test("uint8 images read as samples of flattened pixels scaled to [0, 1]")
    func uint8Images() throws {
        let dataset = try IDXReader.read(Self.images, source: "tiny-idx3-ubyte")
        #expect(dataset.count == 3)
        #expect(dataset.dimension == 4)
        #expect(Array(dataset[0]) == [0, 0.2, 0.4, 1])
        #expect(dataset.values[4] == Float(1) / 255)
        #expect(dataset.source == "tiny-idx3-ubyte")
    }

    @Test("an uncompressed and a gzipped IDX file load from disk to the same values")
    func plainAndGzipFiles() throws {
        try withTemporaryDirectory { folder in
            let plain = folder.appendingPathComponent("tiny-idx3-ubyte")
            let gzipped = folder.appendingPathComponent("tiny-idx3-ubyte.gz")
            try Data(Self.images).write(to: plain)
            try Data(Gzip.compress(Self.images)).write(to: gzipped)
            let fromPlain = try DatasetLoader.load(contentsOf: plain)
            let fromGzip = try DatasetLoader.load(contentsOf: gzipped)
            #expect(fromPlain.values == fromGzip.values)
            #expect(fromGzip.count == 3 && fromGzip.dimension == 4)
            #expect(fromGzip.source == "tiny-idx3-ubyte.gz")
            #expect(fromGzip.values.allSatisfy { (0 ... 1).contains($0) })
        }
    }

    @Test("a 1-D labels file reads as one value per sample")
    func labels() throws {
        let dataset = try IDXReader.read(Self.idx(type: 0x08, dims: [4], data: [0, 255, 0, 255]), source: "labels-idx1-ubyte")
        #expect(dataset.count == 4 && dataset.dimension == 1)
        #expect(dataset.values == [0, 1, 0, 1])
    }

    @Test("signed and float element types read big-endian and unscaled")
    func otherTypes() throws {
        let int8 = try IDXReader.read(Self.idx(type: 0x09, dims: [1, 2], data: [0xFF, 0x7F]), source: "a.idx")
        #expect(int8.values == [-1, 127])
        let int16 = try IDXReader.read(Self.idx(type: 0x0B, dims: [1, 2], data: [0xFF, 0xFE, 0x01, 0x00]), source: "a.idx")
        #expect(int16.values == [-2, 256])
        let int32 = try IDXReader.read(Self.idx(type: 0x0C, dims: [1, 1], data: [0x00, 0x01, 0x00, 0x00]), source: "a.idx")
        #expect(int32.values == [65536])
        let float32 = try IDXReader.read(Self.idx(type: 0x0D, dims: [1, 1], data: [0x3F, 0xC0, 0, 0]), source: "a.idx")
        #expect(float32.values == [1.5])
        let float64 = try IDXReader.read(Self.idx(type: 0x0E, dims: [1, 1], data: [0xC0, 0x04, 0, 0, 0, 0, 0, 0]), source: "a.idx")
        #expect(float64.values == [-2.5])
    }

    @Test("limit keeps the first samples")
    func limitKeepsFirstSamples() throws {
        let dataset = try IDXReader.read(Self.images, source: "a.idx", limit: 2)
        #expect(dataset.count == 2)
        #expect(dataset.values.count == 8)
    }

    @Test("a wrong magic number is refused at byte 0")
    func wrongMagic() {
        var bytes = Self.images
        bytes[0] = 0x12
        expectDataError(.malformed, containing: ["x-idx3-ubyte", "byte 0", "magic", "0x1200"]) {
            _ = try IDXReader.read(bytes, source: "x-idx3-ubyte")
        }
    }

    @Test("an unknown type code is refused at byte 2, listing the known ones")
    func unknownType() {
        var bytes = Self.images
        bytes[2] = 0x07
        expectDataError(.unsupported, containing: ["x.idx", "byte 2", "0x07", "0x08 (uint8)"]) {
            _ = try IDXReader.read(bytes, source: "x.idx")
        }
    }

    @Test("data shorter than the dimensions say is refused with expected and actual bytes")
    func truncatedData() {
        let bytes = Array(Self.images.dropLast(5))
        expectDataError(.truncated, containing: ["x.idx", "byte \(bytes.count)", "need 12 data bytes", "found 7"]) {
            _ = try IDXReader.read(bytes, source: "x.idx")
        }
    }

    @Test("a header cut inside the sizes is refused as truncated")
    func truncatedHeader() {
        expectDataError(.truncated, containing: ["x.idx", "byte 9", "3 dimensions", "16 header bytes"]) {
            _ = try IDXReader.read(Array(Self.images[..<9]), source: "x.idx")
        }
    }

    @Test("bytes after the data are refused, naming where they start")
    func trailingBytes() {
        expectDataError(.malformed, containing: ["x.idx", "byte 28", "2 trailing bytes"]) {
            _ = try IDXReader.read(Self.images + [9, 9], source: "x.idx")
        }
    }

    @Test("a NaN in float32 data is refused, naming row and column")
    func nanInFloatData() {
        let bytes = Self.idx(type: 0x0D, dims: [2, 1], data: [0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0])
        expectDataError(.nonFinite, containing: ["f.idx", "row 1, column 0"]) {
            _ = try IDXReader.read(bytes, source: "f.idx")
        }
    }
}

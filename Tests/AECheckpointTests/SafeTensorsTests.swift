// Encoding, decoding, dtype conversion and the atomic write of safetensors files.
import AECheckpoint
import Foundation
import Testing

@Suite struct SafeTensorsTests {
    static let sample = SafeTensorsFile(
        tensors: [
            "encoder.0.weight": Tensor(shape: [2, 3], values: [0.5, -0.0, .leastNormalMagnitude / 4, .greatestFiniteMagnitude, -3.25, .pi]),
            "encoder.0.bias": Tensor(shape: [2], values: [0.1, -0.2]),
            "scalar": Tensor(shape: [], values: [42]),
            "empty": Tensor(shape: [0, 4], values: []),
        ],
        metadata: ["format": "aeserve/1", "architecture": #"{"kind":"autoencoder"}"#])

    @Test func encodeThenDecodeIsBitIdenticalAndKeepsMetadata() throws {
        let decoded = try SafeTensors.decode(SafeTensors.encode(Self.sample), source: "sample")
        #expect(decoded.metadata == Self.sample.metadata)
        #expect(decoded.tensors.keys.sorted() == Self.sample.tensors.keys.sorted())
        for (name, tensor) in Self.sample.tensors {
            #expect(decoded.tensors[name]?.shape == tensor.shape, "\(name)")
            #expect(decoded.tensors[name].map { bits($0.values) } == bits(tensor.values), "\(name)")
        }
    }

    @Test func encodeWritesSortedPaddedHeaderAndContiguousSortedData() throws {
        let file = SafeTensorsFile(tensors: ["b": Tensor(shape: [1], values: [2]), "a": Tensor(shape: [2], values: [1, 1.5])])
        let bytes = SafeTensors.encode(file)
        let headerLength = headerLength(of: bytes)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(headerLength % 8 == 0)
        #expect(header.trimmingCharacters(in: .whitespaces) == """
            {"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},"b":{"data_offsets":[8,12],"dtype":"F32","shape":[1]}}
            """)
        #expect(!header.contains("__metadata__"), "empty metadata is left out")
        #expect(Array(bytes[(8 + headerLength)...]) == float32Bytes([1, 1.5, 2]))
    }

    @Test func reencodingThePyTorchFixtureKeepsItsDataSectionByteForByte() throws {
        let url = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "safetensors",
                                                 subdirectory: "Fixtures"))
        let original = try [UInt8](Data(contentsOf: url))
        let reencoded = SafeTensors.encode(try SafeTensors.decode(original, source: url.path))
        // The headers differ only in key order inside entries (Rust writes dtype, shape,
        // data_offsets; aeserve sorts), so compare lengths and the data that follows.
        #expect(headerLength(of: reencoded) == headerLength(of: original))
        #expect(reencoded.dropFirst(8 + headerLength(of: reencoded)) == original.dropFirst(8 + headerLength(of: original)))
    }

    @Test func f64F16AndBF16AreConvertedToFloat() throws {
        let f64 = [1.5, -2.25].flatMap { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) }
        // F16: 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal half).
        let f16 = [UInt16(0x3C00), 0xC000, 0x7BFF, 0x0001].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        // BF16: 1.0, -3.0.
        let bf16 = [UInt16(0x3F80), 0xC040].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let header = """
            {"d": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]},
             "h": {"dtype": "F16", "shape": [2, 2], "data_offsets": [16, 24]},
             "b": {"dtype": "BF16", "shape": [2], "data_offsets": [24, 28]}}
            """
        let file = try SafeTensors.decode(rawSafeTensors(header: header, data: f64 + f16 + bf16), source: "mixed")
        #expect(file.tensors["d"] == Tensor(shape: [2], values: [1.5, -2.25]))
        #expect(file.tensors["h"] == Tensor(shape: [2, 2], values: [1, -2, 65504, 0x1p-24]))
        #expect(file.tensors["b"] == Tensor(shape: [2], values: [1, -3]))
    }

    @Test func f64BeyondFloatRangeIsRefusedAsNonFinite() {
        let data = withUnsafeBytes(of: (1e300).bitPattern.littleEndian, Array.init)
        let header = #"{"d": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: data), mentions: ["tensor 'd'", "inf", "flat index 0"])
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("model.safetensors")
        try SafeTensors.write(SafeTensorsFile(tensors: ["old": Tensor(shape: [1], values: [1])]), to: url)
        try SafeTensors.write(Self.sample, to: url)
        #expect(try scratch.contents() == ["model.safetensors"])
        #expect(try SafeTensors.read(contentsOf: url).tensors == Self.sample.tensors)
    }

    @Test func writeRefusesNonFiniteValuesAndKeepsTheOldFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("model.safetensors")
        try SafeTensors.write(Self.sample, to: url)
        let diverged = SafeTensorsFile(tensors: ["w": Tensor(shape: [2], values: [1, .nan])])
        let message = thrownMessage { try SafeTensors.write(diverged, to: url) }
        #expect(message.contains("tensor 'w'") && message.contains("flat index 1"), "\(message)")
        #expect(try scratch.contents() == ["model.safetensors"])
        #expect(try SafeTensors.read(contentsOf: url).tensors == Self.sample.tensors)
    }

    @Test func writeIntoAMissingDirectoryNamesThePath() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("absent/model.safetensors")
        let message = thrownMessage { try SafeTensors.write(Self.sample, to: url) }
        let folder = scratch.url.appendingPathComponent("absent").path
        #expect(message.contains(folder) && message.contains("No such file"), "\(message)")
    }

    @Test func readingAMissingFileNamesThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/aeserve/model.safetensors")
        #expect(thrownMessage { _ = try SafeTensors.read(contentsOf: url) }
            == "/nonexistent/aeserve/model.safetensors: cannot open for reading: No such file or directory")
    }

    /// A 4 MiB tensor round-trips. Its speed is not asserted: a timed test here failed on a
    /// loaded machine (0.93 s against a 0.5 s bound), and speed belongs in benchmarks.
    @Test func aFourMegabyteCheckpointRoundTrips() throws {
        let values = (0..<1_048_576).map { Float($0 % 1000) / 1000 }
        let bytes = SafeTensors.encode(SafeTensorsFile(tensors: ["big": Tensor(shape: [1024, 1024], values: values)]))
        let decoded = try SafeTensors.decode(bytes, source: "big")
        #expect(decoded.tensors["big"]?.values == values)
    }
}

// Interoperability with the reference Python safetensors library: a file it wrote (the
// PyTorch-style fixture) decodes to the recorded values, and a file aeserve writes reads back in Python.
import AECheckpoint
import Foundation
import Testing

@Suite struct SafeTensorsPythonTests {
    /// The JSON written by scripts/fixtures/make_checkpoint_fixtures.py.
    struct FixtureReference: Decodable {
        struct Entry: Decodable {
            let shape: [Int]
            let values: [Double]
        }

        let formatVersion: Int
        let metadata: [String: String]
        let tensors: [String: Entry]

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version"
            case metadata, tensors
        }
    }

    @Test func pytorchSequentialFixtureDecodesToTheRecordedTensors() throws {
        let jsonURL = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "json",
                                                     subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(FixtureReference.self, from: Data(contentsOf: jsonURL))
        try #require(reference.formatVersion == 1,
                     "stale fixture (format_version \(reference.formatVersion)); re-run scripts/fixtures/make_checkpoint_fixtures.py")
        let fileURL = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "safetensors",
                                                     subdirectory: "Fixtures"))
        let file = try SafeTensors.read(contentsOf: fileURL)

        #expect(file.metadata == reference.metadata)
        #expect(file.metadata["architecture"] == nil, "the fixture stands for a foreign file")
        #expect(file.tensors.keys.sorted() == [
            "decoder.0.bias", "decoder.0.weight", "decoder.2.bias", "decoder.2.weight",
            "encoder.0.bias", "encoder.0.weight", "encoder.2.bias", "encoder.2.weight",
        ])
        for (name, expected) in reference.tensors {
            let tensor = try #require(file.tensors[name], "\(name) missing")
            #expect(tensor.shape == expected.shape, "\(name)")
            // The JSON holds each float32 widened to float64, so the narrowing is exact.
            #expect(tensor.values == expected.values.map { Float($0) }, "\(name)")
        }
    }

    @Test func fileWrittenBySwiftReadsBackInPythonSafetensors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("model.safetensors")
        let file = SafeTensorsFile(
            tensors: [
                "encoder.0.weight": Tensor(shape: [3, 4], values: (0..<12).map { Float($0) * 0.37 - 2 }),
                "encoder.0.bias": Tensor(shape: [3], values: [0.1, -0.0, 1e-30]),
                "decoder.mean.weight": Tensor(shape: [1, 1, 2], values: [.greatestFiniteMagnitude, -.leastNonzeroMagnitude]),
            ],
            metadata: ["format": "aeserve/1", "architecture": #"{"kind": "autoencoder", "input_dim": 4}"#,
                       "note": "ünïcode ✓"])
        try SafeTensors.write(file, to: url)

        let output = try runPython([packageRoot.appendingPathComponent("scripts/fixtures/read_safetensors.py").path, url.path])
        let reading = try JSONDecoder().decode(PythonReading.self, from: output)
        #expect(reading.metadata == file.metadata)
        #expect(reading.tensors.keys.sorted() == file.tensors.keys.sorted())
        for (name, tensor) in file.tensors {
            let entry = try #require(reading.tensors[name], "\(name) missing in Python")
            #expect(entry.dtype == "float32", "\(name)")
            #expect(entry.shape == tensor.shape, "\(name)")
            #expect(bits(entry.values.map { Float($0) }) == bits(tensor.values), "\(name)")
        }
    }
}

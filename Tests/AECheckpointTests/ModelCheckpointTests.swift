import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("ModelCheckpoint")
struct ModelCheckpointTests {
    private struct Fixture: Decodable {
        var format_version: Int
        var architecture: Architecture
        var inputs: [[Double]]
        var latent: [[Double]]
        var reconstruction: [[Double]]
    }

    static let small = Architecture(
        kind: .variational, inputDimension: 6, encoder: [.init(units: 5, activation: .relu)],
        decoder: [.init(units: 5, activation: .gelu), .init(units: 6, activation: .sigmoid)], latentDimension: 2)

    @Test("a PyTorch nn.Sequential state dict saved by Python safetensors (numbered with gaps) loads and matches NumPy's forward pass")
    func pytorchFixture() throws {
        let json = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: json))
        try #require(fixture.format_version == 1, "stale fixture: re-run scripts/fixtures/make_checkpoint_fixtures.py")
        let url = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "safetensors", subdirectory: "Fixtures"))
        let loaded = try ModelCheckpoint.load(contentsOf: url, architecture: fixture.architecture)
        let input = Matrix<Float>(rows: fixture.inputs.count, columns: 6, values: fixture.inputs.flatMap { $0.map(Float.init) })
        expectClose(loaded.model.encode(input).latent.storage, fixture.latent.flatMap { $0.map(Float.init) }, rtol: 1e-5, atol: 1e-6, "latent")
        expectClose(loaded.model.reconstruct(input).reconstruction.storage,
                    fixture.reconstruction.flatMap { $0.map(Float.init) }, rtol: 1e-5, atol: 1e-6, "reconstruction")
        #expect(loaded.sha256.count == 64)
    }

    @Test("a foreign file without architecture metadata is refused unless the caller gives one")
    func missingArchitecture() throws {
        let url = try #require(Bundle.module.url(forResource: "pytorch_sequential", withExtension: "safetensors", subdirectory: "Fixtures"))
        #expect { _ = try ModelCheckpoint.load(contentsOf: url) } throws: { error in
            "\(error)".contains("no 'architecture' in the metadata")
        }
    }

    @Test("a model saved by aeserve loads bit-identically with its metadata, and Python safetensors reads it")
    func roundTrip() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Autoencoder<Float>(architecture: Self.small, seed: 9)
        let url = directory.appendingPathComponent("model.safetensors")
        try ModelCheckpoint.save(model, metadata: CheckpointMetadata(dataset: "inline", epochs: 3, trainLoss: 0.25), to: url)
        let loaded = try ModelCheckpoint.load(contentsOf: url)
        #expect(loaded.model.architecture == Self.small)
        #expect(loaded.model.layers.map(\.weight) == model.layers.map(\.weight))
        #expect(loaded.model.layers.map(\.bias) == model.layers.map(\.bias))
        #expect(loaded.metadata.epochs == 3)
        #expect(loaded.sha256 == (try SHA256Digest.hex(ofFileAt: url)))

        let output = try runPython([packageRoot.appendingPathComponent("scripts/fixtures/read_safetensors.py").path, url.path])
        let reading = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        let tensors = try #require(reading?["tensors"] as? [String: Any])
        #expect(Set(tensors.keys) == ["encoder.0.weight", "encoder.0.bias", "encoder.mean.weight", "encoder.mean.bias",
                                      "encoder.logvar.weight", "encoder.logvar.bias", "decoder.0.weight", "decoder.0.bias",
                                      "decoder.2.weight", "decoder.2.bias"])
        let metadata = try #require(reading?["metadata"] as? [String: String])
        #expect(try Architecture.parse(try #require(metadata["architecture"])) == Self.small)
    }

    @Test("a missing tensor is named")
    func missingTensor() throws {
        let model = try Autoencoder<Float>(architecture: Self.small, seed: 1)
        var file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        file.tensors["encoder.logvar.bias"] = nil
        #expect { _ = try ModelCheckpoint.decode(file, source: "m.safetensors") } throws: { error in
            "\(error)" == "encoder.logvar.bias: missing from the checkpoint"
        }
        file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        file.tensors["decoder.2.weight"] = nil
        file.tensors["decoder.2.bias"] = nil
        #expect { _ = try ModelCheckpoint.decode(file, source: "m.safetensors") } throws: { error in
            "\(error)" == "decoder.2.weight: missing from the checkpoint"
        }
    }

    @Test("a tensor whose shape does not fit the architecture is named with both shapes")
    func shapeMismatch() throws {
        let model = try Autoencoder<Float>(architecture: Self.small, seed: 1)
        var file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        file.tensors["encoder.0.weight"] = Tensor(shape: [6, 5], values: [Float](repeating: 0, count: 30))
        #expect { _ = try ModelCheckpoint.decode(file, source: "m.safetensors") } throws: { error in
            "\(error)" == "encoder.0.weight: expected [5, 6], got [6, 5]"
        }
    }

    @Test("tensors that belong to no layer of the architecture are named")
    func unexpectedTensors() throws {
        let model = try Autoencoder<Float>(architecture: Self.small, seed: 1)
        var file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        file.tensors["decoder.9.weight"] = Tensor(shape: [1], values: [0])
        #expect { _ = try ModelCheckpoint.decode(file, source: "m.safetensors") } throws: { error in
            "\(error)".contains("decoder.9.weight do not belong to the architecture")
        }
    }

    @Test("NaN weights in a model file are refused with the tensor and index named")
    func nonFiniteWeights() throws {
        let model = try Autoencoder<Float>(architecture: Self.small, seed: 1)
        let file = ModelCheckpoint.encode(model, metadata: CheckpointMetadata())
        var bytes = SafeTensors.encode(file)
        // The first tensor in sorted order is decoder.0.bias; poison its first value.
        let headerLength = Int(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let nan = Float.nan.bitPattern.littleEndian
        withUnsafeBytes(of: nan) { raw in for k in 0..<4 { bytes[8 + headerLength + k] = raw[k] } }
        #expect { _ = try SafeTensors.decode(bytes, source: "m.safetensors") } throws: { error in
            "\(error)".contains("decoder.0.bias") && "\(error)".contains("nan")
        }
    }
}

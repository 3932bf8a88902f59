// /encode, /decode, /reconstruct and /sample over a real socket, held bit for bit to the
// engine's outputs for the same checkpoint.
import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

/// A small variational architecture (8 → 6 → mean/logvar 3 → 6 → 8).
let smallVariational = Architecture(
    kind: .variational, inputDimension: 8, encoder: [.init(units: 6, activation: .relu)],
    decoder: [.init(units: 6, activation: .relu), .init(units: 8, activation: .sigmoid)], latentDimension: 3)

@Suite("Inference endpoints (live)")
struct InferenceEndpointTests {
    /// The model the live service loaded, read again from its file.
    static func engine(_ live: LiveService, _ name: String = "small", _ version: Int = 1) throws -> Autoencoder<Float> {
        try ModelCheckpoint.load(contentsOf: live.modelsRoot.appendingPathComponent("\(name)/\(version)/model.safetensors")).model
    }

    @Test("/encode answers a batch and a single vector with the engine's latents, bit for bit, as shortest floats")
    func encode() throws {
        let live = try LiveService()
        defer { live.stop() }
        let model = try Self.engine(live)
        let input = smallVectors(count: 5, seed: 3)
        let expected = rows(model.encode(matrix(input)).latent)

        let batch = try live.post("/encode", #"{"vectors": \#(jsonRows(input))}"#)
        #expect(batch.status == 200, "\(batch.text)")
        let json = try batch.json()
        let latents = try #require(json["latents"]?.numberTextRows)
        #expect(latents.count == 5)
        for (i, row) in latents.enumerated() { expectFloatTexts(row, equal: expected[i], "latents[\(i)]") }
        #expect(json["model"] == .object(["name": .string("small"), "version": .number("1")]))
        #expect(json["log_variances"] == nil)

        // One row goes through gemv rather than sgemm, whose sums may round differently, so the
        // single form is held to the engine's output for that one row.
        let single = try live.post("/encode", #"{"vector": \#(jsonRows([input[2]]).dropFirst().dropLast())}"#)
        #expect(single.status == 200, "\(single.text)")
        expectFloatTexts(try #require(try single.json()["latent"]?.numberTexts),
                         equal: model.encode(matrix([input[2]])).latent.storage, "latent")
    }

    @Test("/decode answers latents with the engine's vectors, bit for bit, batch and single")
    func decode() throws {
        let live = try LiveService()
        defer { live.stop() }
        let model = try Self.engine(live)
        let latents: [[Float]] = [[0.5, -1.25, 2], [0, 0.1, -0.3], [1e-3, 7, 3.3]]
        let expected = rows(model.decode(matrix(latents)))

        let batch = try live.post("/decode", #"{"latents": \#(jsonRows(latents))}"#)
        #expect(batch.status == 200, "\(batch.text)")
        let vectors = try #require(try batch.json()["vectors"]?.numberTextRows)
        for (i, row) in vectors.enumerated() { expectFloatTexts(row, equal: expected[i], "vectors[\(i)]") }

        let single = try live.post("/decode", #"{"latent": [0, 0.1, -0.3], "model": "small", "version": 1}"#)
        #expect(single.status == 200, "\(single.text)")
        expectFloatTexts(try #require(try single.json()["vector"]?.numberTexts),
                         equal: model.decode(matrix([latents[1]])).storage, "vector")
    }

    @Test("/reconstruct answers reconstructions and per-vector mean squared errors equal to the engine's, batch and single")
    func reconstruct() throws {
        let live = try LiveService()
        defer { live.stop() }
        let model = try Self.engine(live)
        let input = smallVectors(count: 4, seed: 9)
        let (expected, errors) = model.reconstruct(matrix(input))

        let batch = try live.post("/reconstruct", #"{"vectors": \#(jsonRows(input))}"#)
        #expect(batch.status == 200, "\(batch.text)")
        let json = try batch.json()
        let reconstructions = try #require(json["reconstructions"]?.numberTextRows)
        for (i, row) in reconstructions.enumerated() { expectFloatTexts(row, equal: rows(expected)[i], "reconstructions[\(i)]") }
        expectFloatTexts(try #require(json["errors"]?.numberTexts), equal: errors, "errors")

        let single = try live.post("/reconstruct", #"{"vector": \#(jsonRows([input[3]]).dropFirst().dropLast())}"#)
        #expect(single.status == 200, "\(single.text)")
        let one = try single.json()
        let (alone, aloneError) = model.reconstruct(matrix([input[3]]))
        expectFloatTexts(try #require(one["reconstruction"]?.numberTexts), equal: alone.storage, "reconstruction")
        expectFloatTexts([try #require(one["error"]?.numberText)], equal: aloneError, "error")
    }

    @Test("the bundled fashion-mnist model answers /encode and /reconstruct with the engine's outputs, bit for bit")
    func bundledModel() throws {
        let live = try LiveService(models: { root in
            let source = TestEnvironment.packageRoot.appendingPathComponent("models/fashion-mnist/1")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("fashion-mnist"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: root.appendingPathComponent("fashion-mnist/1"))
        }, configure: { $0.models.defaultModel = "fashion-mnist" })
        defer { live.stop() }
        let model = try Self.engine(live, "fashion-mnist", 1)
        var g = RandomGenerator(seed: 11)
        let input = (0..<16).map { _ in (0..<784).map { _ in Float(g.nextUniform()) } }
        let latents = rows(model.encode(matrix(input)).latent)
        let (reconstruction, errors) = model.reconstruct(matrix(input))

        let encoded = try live.post("/encode", #"{"vectors": \#(jsonRows(input))}"#)
        #expect(encoded.status == 200, "\(encoded.text.prefix(300))")
        for (i, row) in try #require(try encoded.json()["latents"]?.numberTextRows).enumerated() {
            expectFloatTexts(row, equal: latents[i], "latents[\(i)]")
        }
        let reconstructed = try live.post("/reconstruct", #"{"vectors": \#(jsonRows(input))}"#)
        let json = try reconstructed.json()
        for (i, row) in try #require(json["reconstructions"]?.numberTextRows).enumerated() {
            expectFloatTexts(row, equal: rows(reconstruction)[i], "reconstructions[\(i)]")
        }
        expectFloatTexts(try #require(json["errors"]?.numberTexts), equal: errors, "errors")
        #expect(json["model"]?["name"]?.string == "fashion-mnist")
    }

    @Test("a variational model returns log-variances from /encode, and /sample decodes seeded normal latents, same seed same vectors")
    func variational() throws {
        let live = try LiveService(models: { root in
            try writeModel(root: root, name: "small", version: 1, seed: 1)
            try writeModel(root: root, name: "vae", version: 1, seed: 5, architecture: smallVariational)
        })
        defer { live.stop() }
        let model = try Self.engine(live, "vae", 1)
        let input = smallVectors(count: 3, seed: 4)
        let (mean, logVariance) = model.encode(matrix(input))

        let encoded = try live.post("/encode", #"{"model": "vae", "vectors": \#(jsonRows(input))}"#)
        #expect(encoded.status == 200, "\(encoded.text)")
        let json = try encoded.json()
        for (i, row) in try #require(json["latents"]?.numberTextRows).enumerated() { expectFloatTexts(row, equal: rows(mean)[i], "latents[\(i)]") }
        let variances = try #require(json["log_variances"]?.numberTextRows)
        for (i, row) in variances.enumerated() { expectFloatTexts(row, equal: rows(try #require(logVariance))[i], "log_variances[\(i)]") }

        // The engine's sample: standard normal latents from the seeded generator, decoded.
        var g = RandomGenerator(seed: 77)
        let z = (0..<(4 * 3)).map { _ in Float(g.nextGaussian()) }
        let expected = rows(model.decode(Matrix(rows: 4, columns: 3, values: z)))
        let sample = try live.post("/sample", #"{"model": "vae", "count": 4, "seed": 77}"#)
        #expect(sample.status == 200, "\(sample.text)")
        let vectors = try #require(try sample.json()["vectors"]?.numberTextRows)
        #expect(vectors.count == 4 && vectors.allSatisfy { $0.count == 8 })
        for (i, row) in vectors.enumerated() { expectFloatTexts(row, equal: expected[i], "vectors[\(i)]") }
        let again = try live.post("/sample", #"{"model": "vae", "count": 4, "seed": 77}"#)
        #expect(again.body == sample.body)
        let other = try live.post("/sample", #"{"model": "vae", "count": 4, "seed": 78}"#)
        #expect(other.status == 200 && other.body != sample.body)

        expectError(try live.post("/sample", #"{"count": 2, "seed": 1}"#), 422, "not_variational",
                    mentions: ["'small'", "variational"])
        expectError(try live.post("/sample", #"{"model": "vae", "count": 0}"#), 422, mentions: ["count", "limits.batch_vectors"])
    }

    @Test("a request names a model version; an unknown model or version is a 404 listing what is available")
    func versions() throws {
        let live = try LiveService(models: { root in
            try writeModel(root: root, name: "small", version: 1, seed: 1)
            try writeModel(root: root, name: "small", version: 2, seed: 2)
        })
        defer { live.stop() }
        let v1 = try Self.engine(live, "small", 1)
        let input = smallVectors(count: 2)
        let pinned = try live.post("/encode", #"{"version": 1, "vectors": \#(jsonRows(input))}"#)
        #expect(try pinned.json()["model"]?["version"]?.int == 1)
        for (i, row) in try #require(try pinned.json()["latents"]?.numberTextRows).enumerated() {
            expectFloatTexts(row, equal: rows(v1.encode(matrix(input)).latent)[i], "latents[\(i)]")
        }
        let latest = try live.post("/encode", #"{"vectors": \#(jsonRows(input))}"#)
        #expect(try latest.json()["model"]?["version"]?.int == 2)
        expectError(try live.post("/encode", #"{"model": "nope", "vectors": \#(jsonRows(input))}"#), 404, "unknown_model",
                    mentions: ["'nope'", "small"])
        expectError(try live.post("/encode", #"{"version": 7, "vectors": \#(jsonRows(input))}"#), 404, "unknown_version",
                    mentions: ["7", "1, 2"])
    }
}

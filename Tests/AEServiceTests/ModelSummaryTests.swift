// The /models answers are Codable values: their JSON is checked field by field, numbers as
// numbers, and versions on disk only as {"version", "loaded": false}.
import AECheckpoint
import AEModel
@testable import AEService
import AETestSupport
import Foundation
import Testing

@Suite("ModelSummary")
struct ModelSummaryTests {
    @Test("GET /models/{name} as a Codable value: typed training facts, the architecture as an object, unloaded versions marked")
    func detailedSummary() throws {
        let root = try TestEnvironment.temporaryDirectory("summary")
        defer { try? FileManager.default.removeItem(at: root) }
        for version in 1...3 {
            let model = try Autoencoder<Float>(architecture: smallArchitecture, seed: UInt64(version))
            let url = ModelStore(root: root).url(name: "m", version: version)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let metadata = CheckpointMetadata(dataset: "12345", epochs: 7, trainLoss: 0.25, createdAt: "2026-01-02T03:04:05Z",
                                              extra: ["note": "1e400"])
            try ModelCheckpoint.save(model, metadata: metadata, to: url)
        }
        let registry = ModelRegistry(source: FolderModelSource(root: root), loadedVersions: 1)
        registry.refresh()
        let entry = try #require(registry.snapshot().first)
        let json = try JSONValue.parse(Array(Service.jobEncoder.encode(ModelSummary(entry, detailed: true))))

        #expect(json["name"]?.string == "m" && json["version"]?.int == 3 && json["activated"]?.bool == false)
        #expect(json["versions"] == .array([.number("1"), .number("2"), .number("3")]))
        #expect(json["kind"]?.string == "autoencoder" && json["input_dim"]?.int == 8 && json["latent_dim"]?.int == 3)
        #expect(json["architecture"]?["encoder"]?.array?.count == smallArchitecture.encoder.count)
        #expect(json["architecture"]?["input_dim"]?.int == 8)
        // Numbers stay numbers; a dataset named by digits and a non-finite text stay text.
        #expect(json["training"]?["epochs"] == .number("7"))
        #expect(json["training"]?["train_loss"]?.double == 0.25)
        #expect(json["training"]?["dataset"]?.string == "12345")
        #expect(json["training"]?["note"]?.string == "1e400")
        #expect(json["training"]?["format"] == nil && json["training"]?["architecture"] == nil)

        let details = try #require(json["version_details"]?.array)
        #expect(details.map { $0["version"]?.int } == [1, 2, 3])
        #expect(details.map { $0["loaded"]?.bool } == [false, false, true])
        #expect(details[0]["sha256"] == nil, "a version on disk only shows no loaded facts")
        #expect(details[2]["sha256"]?.string == entry.active.sha256 && details[2]["bytes"]?.int == entry.active.byteCount)
        #expect(details[2]["loaded_at"]?.string?.hasSuffix("Z") == true)

        let summary = try JSONValue.parse(Array(Service.jobEncoder.encode(ModelSummary(entry))))
        #expect(summary["version_details"] == nil, "the list shows no per-version details")
    }
}

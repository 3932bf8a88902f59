import AECheckpoint
import AEModel
import AEService
import AETestSupport
import Foundation
import Testing

@Suite("ModelRegistry")
struct ModelRegistryTests {
    @Test("serves the highest version; activation pins another and survives a new registry over the same state")
    func versionsAndActivation() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        let v1 = try writeModel(root: root, name: "m", version: 1, seed: 1)
        try writeModel(root: root, name: "m", version: 3, seed: 3)
        let pins = root.appendingPathComponent("state/activations.json")
        let registry = ModelRegistry(source: FolderModelSource(root: root), pinsURL: pins)
        let events = registry.refresh()
        #expect(events.contains(.loaded(name: "m", version: 1)) && events.contains(.loaded(name: "m", version: 3)))
        #expect(try registry.model(named: "m").version == 3)
        #expect(try registry.model(named: "m", version: 1).model.layers[0].weight == v1.layers[0].weight)

        try registry.activate(name: "m", version: 1)
        #expect(try registry.model(named: "m").version == 1)
        let again = ModelRegistry(source: FolderModelSource(root: root), pinsURL: pins)
        again.refresh()
        #expect(try again.model(named: "m").version == 1)

        #expect(throws: RegistryError.unknownVersion(name: "m", version: 2, available: [1, 3])) { try registry.activate(name: "m", version: 2) }
        #expect(throws: RegistryError.unknownModel(name: "x", available: ["m"])) { try registry.model(named: "x") }
    }

    @Test("a version copied in later is found by refresh and served; a removed one is dropped")
    func discovery() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        registry.refresh()
        #expect(!registry.refresh().contains { if case .loaded = $0 { return true } else { return false } })
        try writeModel(root: root, name: "m", version: 2, seed: 2)
        #expect(registry.refresh() == [.loaded(name: "m", version: 2)])
        #expect(try registry.model(named: "m").version == 2)
        try FileManager.default.removeItem(at: root.appendingPathComponent("m/2"))
        #expect(registry.refresh() == [.removed(name: "m", version: 2)])
        #expect(try registry.model(named: "m").version == 1)
    }

    @Test("a broken checkpoint dropped in is refused once with its reason, and the served version stays")
    func brokenCheckpoint() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        registry.refresh()
        let broken = ModelStore(root: root).url(name: "m", version: 2)
        try FileManager.default.createDirectory(at: broken.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: broken)
        let events = registry.refresh()
        #expect(events.count == 1)
        guard case .refused(let name, let version, let reason)? = events.first else {
            Issue.record("expected a refusal, got \(events)")
            return
        }
        #expect(name == "m" && version == 2)
        #expect(reason.contains("truncated"))
        #expect(try registry.model(named: "m").version == 1)
        #expect(registry.refresh().isEmpty, "a broken file is reported once")
    }

    @Test("publish with activate serves the new version at once; without, the current version stays served")
    func publish() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        registry.refresh()
        let model = try Autoencoder<Float>(architecture: smallArchitecture, seed: 9)
        let quiet = try registry.publish(name: "m", model: model, metadata: CheckpointMetadata(), activate: false)
        #expect(quiet.version == 2)
        #expect(try registry.model(named: "m").version == 1)
        let loud = try registry.publish(name: "m", model: model, metadata: CheckpointMetadata(), activate: true)
        #expect(loud.version == 3)
        #expect(try registry.model(named: "m").version == 3)
        #expect(registry.refresh().isEmpty, "a published version is not loaded twice")
    }
}

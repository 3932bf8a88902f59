import AECheckpoint
import AEModel
@testable import AEService
import AETestSupport
import Foundation
import Testing

@Suite("ModelRegistry")
struct ModelRegistryTests {
    @Test("serves the highest version; an activation is stored in the model's folder and a new registry over the same root follows it")
    func versionsAndActivation() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        let v1 = try writeModel(root: root, name: "m", version: 1, seed: 1)
        try writeModel(root: root, name: "m", version: 3, seed: 3)
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        let events = registry.refresh()
        #expect(events.contains(.loaded(name: "m", version: 1)) && events.contains(.loaded(name: "m", version: 3)))
        #expect(try registry.model(named: "m").version == 3)
        #expect(try registry.model(named: "m", version: 1).model.layers[0].weight == v1.layers[0].weight)

        try registry.activate(name: "m", version: 1)
        #expect(try registry.model(named: "m").version == 1)
        #expect(try String(contentsOf: root.appendingPathComponent("m/activation.json"), encoding: .utf8)
            .contains(#""version":1"#))
        let again = ModelRegistry(source: FolderModelSource(root: root))
        #expect(again.refresh().contains(.activated(name: "m", version: 1)))
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
        #expect(registry.refresh().isEmpty)
        try writeModel(root: root, name: "m", version: 2, seed: 2)
        #expect(registry.refresh() == [.loaded(name: "m", version: 2)])
        #expect(try registry.model(named: "m").version == 2)
        try FileManager.default.removeItem(at: root.appendingPathComponent("m/2"))
        #expect(registry.refresh() == [.removed(name: "m", version: 2)])
        #expect(try registry.model(named: "m").version == 1)
    }

    @Test("a version being written (claimed folder, companions and a temp file, no model file yet) is neither served, refused nor reported")
    func halfWrittenVersion() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let staging = try TestEnvironment.temporaryDirectory("registry-staging")
        defer { try? FileManager.default.removeItem(at: staging) }
        try writeModel(root: staging, name: "m", version: 2, seed: 2)
        let bytes = try Data(contentsOf: staging.appendingPathComponent("m/2/model.safetensors"))
        // What a writer has done before its final rename: the folder, a companion, half the bytes.
        let folder = root.appendingPathComponent("m/2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: folder.appendingPathComponent("calibration.json"))
        try bytes.prefix(bytes.count / 2).write(to: folder.appendingPathComponent(".model.safetensors.tmp-1-a"))
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        #expect(registry.refresh() == [.loaded(name: "m", version: 1)])
        #expect(try registry.model(named: "m").version == 1)
        #expect(registry.snapshot().first?.versions.map(\.version) == [1], "a pending version is not listed")
        #expect(throws: RegistryError.unknownVersion(name: "m", version: 2, available: [1])) { try registry.model(named: "m", version: 2) }
        // The rename completes the version: the next poll serves it whole.
        try bytes.write(to: folder.appendingPathComponent(".model.safetensors.tmp-1-a"))
        try FileManager.default.moveItem(at: folder.appendingPathComponent(".model.safetensors.tmp-1-a"),
                                         to: folder.appendingPathComponent("model.safetensors"))
        #expect(registry.refresh() == [.loaded(name: "m", version: 2)])
        #expect(try registry.model(named: "m").sha256 == SHA256Digest.hex(of: Array(bytes)))
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
        #expect(throws: RegistryError.self) { try registry.model(named: "m", version: 2) }
    }

    @Test("publish with activate serves the new version at once; without, the current version stays served, pinned in the models root")
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
        #expect(try ModelStore(root: root).activation(of: "m") == 1, "another replica keeps serving v1 too")
        let loud = try registry.publish(name: "m", model: model, metadata: CheckpointMetadata(), activate: true)
        #expect(loud.version == 3)
        #expect(try registry.model(named: "m").version == 3)
        #expect(try ModelStore(root: root).activation(of: "m") == 3)
        #expect(registry.refresh().isEmpty, "a published version is not loaded twice")
    }

    @Test("only the served version and the latest N stay loaded; the others are listed and load on their first request")
    func boundedMemory() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        for v in 1...6 { try writeModel(root: root, name: "m", version: v, seed: UInt64(v)) }
        let registry = ModelRegistry(source: FolderModelSource(root: root), loadedVersions: 2)
        let events = registry.refresh()
        #expect(events.filter { if case .loaded = $0 { true } else { false } } == [.loaded(name: "m", version: 6), .loaded(name: "m", version: 5)])
        var listed = try #require(registry.snapshot().first)
        #expect(listed.versions.map(\.version) == [1, 2, 3, 4, 5, 6], "every version is listed")
        #expect(listed.versions.filter { $0.model != nil }.map(\.version) == [5, 6])

        // A request for an old version loads it; it stays while recently used.
        #expect(try registry.model(named: "m", version: 2).version == 2)
        listed = try #require(registry.snapshot().first)
        #expect(listed.versions.filter { $0.model != nil }.map(\.version) == [2, 5, 6])

        // Activating an unloaded version loads it; a new version pushes the oldest of the latest out.
        try registry.activate(name: "m", version: 1)
        try writeModel(root: root, name: "m", version: 7, seed: 7)
        let next = registry.refresh()
        #expect(next.contains(.loaded(name: "m", version: 7)) && next.contains(.unloaded(name: "m", version: 5)), "\(next)")
        listed = try #require(registry.snapshot().first)
        #expect(listed.versions.filter { $0.model != nil }.map(\.version) == [1, 2, 6, 7])
        #expect(listed.active.version == 1)
    }

    @Test("a changed file beside the checkpoint (a calibration) makes the version load again")
    func companionChange() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        registry.refresh()
        let loadedAt = try registry.model(named: "m").loadedAt
        try AtomicFile.write(Data(#"{"count": 1}"#.utf8), to: root.appendingPathComponent("m/1/calibration.json"))
        #expect(registry.refresh() == [.loaded(name: "m", version: 1)])
        #expect(try registry.model(named: "m").loadedAt > loadedAt)
        try AtomicFile.write(Data(#"{"count": 2}"#.utf8), to: root.appendingPathComponent("m/1/calibration.json"))
        #expect(registry.refresh() == [.loaded(name: "m", version: 1)], "replaced again: noticed again")
    }

    // Issue 11: odd version folders were skipped without a log line.
    @Test("odd version folders are skipped with their reason, reported once each; a file is no version")
    func oddFoldersReportedOnce() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        for folder in ["abc", "007", "0", "-2", "9223372036854775807", "3000000000"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("m/\(folder)"), withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("m/5").path, contents: Data())
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        let skipped = registry.refresh().compactMap { event -> String? in
            guard case let .skipped(path, reason) = event else { return nil }
            return "\(path.replacingOccurrences(of: root.path + "/", with: "")): \(reason)"
        }
        #expect(skipped.sorted() == [
            "m/-2: it is negative; versions start at 1",
            "m/007: it has leading zeros (name it '7')",
            "m/0: version 0 is not allowed; versions start at 1",
            "m/3000000000: it is above the highest version 2147483647",
            "m/5: it is a file, not a version folder",
            "m/9223372036854775807: it is above the highest version 2147483647",
            "m/abc: it is not a whole number",
        ])
        #expect(registry.refresh().isEmpty, "each is reported once")
        #expect(try registry.model(named: "m").version == 1)
    }

    // Issue 11: a folder named 9223372036854775807 was served, and the next version number trapped.
    @Test("a version folder past the highest version is not served and the next version is computed without trapping")
    func hugeVersionFolder() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let huge = try writeModel(root: root, name: "m", version: 2, seed: 2)
        try FileManager.default.moveItem(at: root.appendingPathComponent("m/2"), to: root.appendingPathComponent("m/9223372036854775807"))
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        registry.refresh()
        #expect(try registry.model(named: "m").version == 1)
        #expect(try registry.publish(name: "m", model: huge, metadata: CheckpointMetadata(), activate: true).version == 2)

        // At the highest allowed version, the next one is a clear error, not a trap.
        try FileManager.default.moveItem(at: root.appendingPathComponent("m/2"), to: root.appendingPathComponent("m/2147483647"))
        registry.refresh()
        #expect(try registry.model(named: "m", version: 2_147_483_647).version == 2_147_483_647)
        let error = #expect(throws: CheckpointError.self) {
            try registry.publish(name: "m", model: huge, metadata: CheckpointMetadata(), activate: true)
        }
        #expect(error?.description.contains("2147483647") == true, "\(String(describing: error))")
    }

    // Issue 11: out of file descriptors, the poll took unreadable folders for deleted ones.
    @Test("a poll that cannot read the models root or a model folder keeps what it serves and reports it once")
    func unreadableSourceKeepsServing() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        try writeModel(root: root, name: "m", version: 2, seed: 2)
        let source = ControlledSource(root: root)
        let registry = ModelRegistry(source: source)
        registry.refresh()
        for failing in [ControlledSource.Failure.root, .modelFolder, .versionFolder] {
            source.failure = failing
            // One event, or one per version folder that could not be read.
            let events = registry.refresh()
            #expect(events.count == (failing == .versionFolder ? 2 : 1), "\(failing): \(events)")
            for event in events {
                guard case .unreadable(_, let reason) = event else {
                    Issue.record("\(failing): expected unreadable events, got \(events)")
                    continue
                }
                #expect(reason.contains("Too many open files"))
            }
            #expect(registry.refresh().isEmpty, "\(failing): reported once")
            #expect(try registry.model(named: "m").version == 2 && registry.hasModels)
            #expect(try registry.model(named: "m", version: 1).version == 1)
            source.failure = nil
            #expect(registry.refresh().isEmpty, "\(failing): nothing was unloaded, so nothing is loaded again")
        }
    }

    // Issue 12: publishing wrote the pins file while holding the lock every lookup takes.
    @Test("lookups answer while a publish or an activation is blocked writing its files",
          arguments: [ControlledSource.Blocked.store, .activation])
    func noFileWriteUnderTheLookupLock(blocked: ControlledSource.Blocked) throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        try writeModel(root: root, name: "m", version: 2, seed: 2)
        let source = ControlledSource(root: root)
        let registry = ModelRegistry(source: source)
        registry.refresh()
        source.block = blocked
        let model = try Autoencoder<Float>(architecture: smallArchitecture, seed: 9)
        let writer = Thread {
            if blocked == .store {
                _ = try? registry.publish(name: "m", model: model, metadata: CheckpointMetadata(), activate: true)
            } else {
                _ = try? registry.activate(name: "m", version: 1)
            }
        }
        writer.start()
        try #require(source.writeStarted.wait(timeout: .now() + 30) == .success, "the write began")

        // While the write hangs, lookups of every kind answer; timed only to report, not asserted tightly.
        var slowest = Duration.zero
        for _ in 0..<1000 {
            let start = ContinuousClock.now
            _ = try registry.model(named: "m")
            _ = try registry.model(named: "m", version: 1)
            _ = registry.snapshot()
            _ = registry.hasModels
            slowest = max(slowest, ContinuousClock.now - start)
        }
        #expect(slowest < .seconds(1), "slowest lookup \(slowest) while the write was blocked")
        #expect(try registry.model(named: "m").version == 2, "the old version serves until the write ends")
        source.release()
        while !writer.isFinished { usleep(1000) }
        #expect(try registry.model(named: "m").version == (blocked == .store ? 3 : 1))
    }

    @Test("threads publishing at once get distinct versions, all listed and loadable")
    func concurrentPublishers() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root, name: "m", version: 1, seed: 1)
        let registry = ModelRegistry(source: FolderModelSource(root: root), loadedVersions: 2)
        registry.refresh()
        let model = try Autoencoder<Float>(architecture: smallArchitecture, seed: 9)
        let versions = Failures()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                versions.add("\(try registry.publish(name: "m", model: model, metadata: CheckpointMetadata(), activate: false).version)")
            } catch {
                versions.add("error: \(error)")
            }
        }
        #expect(versions.items.sorted() == (2...7).map(String.init).sorted())
        #expect(registry.snapshot().first?.versions.map(\.version) == Array(1...7))
        #expect(try registry.model(named: "m").version == 1, "activate: false keeps v1 served")
    }

    @Test("activations kept in the state folder by an older aeserve move into the models root once")
    func activationsMigrate() throws {
        let root = try TestEnvironment.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(at: root) }
        for v in 1...2 {
            try writeModel(root: root, name: "a", version: v, seed: UInt64(v))
            try writeModel(root: root, name: "b", version: v, seed: UInt64(v))
        }
        let legacy = root.appendingPathComponent("state/activations.json")
        try FileManager.default.createDirectory(at: legacy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(#"{"a": 1, "b": 1}"#.utf8).write(to: legacy)
        try ModelStore(root: root).storeActivation(name: "b", version: 2)  // made since on another replica
        let registry = ModelRegistry(source: FolderModelSource(root: root))
        #expect(registry.migrateActivations(from: legacy) == ["a": 1])
        registry.refresh()
        #expect(try registry.model(named: "a").version == 1 && registry.model(named: "b").version == 2)
        #expect(!FileManager.default.fileExists(atPath: legacy.path))
        #expect(FileManager.default.fileExists(atPath: legacy.path + ".migrated"))
        #expect(registry.migrateActivations(from: legacy).isEmpty, "once")
    }
}

/// A folder source whose reads can fail as with no descriptors left and whose writes can
/// hang, to see what the registry does meanwhile.
final class ControlledSource: ModelSource, @unchecked Sendable {
    enum Failure: Sendable { case root, modelFolder, versionFolder }
    enum Blocked: Sendable { case store, activation }

    private let inner: FolderModelSource
    private let lock = NSLock()
    private var storedFailure: Failure?
    private var storedBlock: Blocked?
    /// Signalled when a blocked write begins.
    let writeStarted = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    init(root: URL) { inner = FolderModelSource(root: root) }

    var failure: Failure? {
        get { lock.withLock { storedFailure } }
        set { lock.withLock { storedFailure = newValue } }
    }

    var block: Blocked? {
        get { lock.withLock { storedBlock } }
        set { lock.withLock { storedBlock = newValue } }
    }

    /// Lets the blocked write go on.
    func release() { gate.signal() }

    private func fail(_ kind: Failure, _ path: String) throws {
        if failure == kind { throw CheckpointError.fileSystem(path: path, operation: "list the folder", reason: "Too many open files") }
    }

    private func hold(_ kind: Blocked) {
        guard block == kind else { return }
        writeStarted.signal()
        gate.wait()
    }

    var location: String { inner.location }
    func modelNames() throws -> [String] {
        try fail(.root, inner.store.root.path)
        return try inner.modelNames()
    }
    func listing(of name: String) throws -> ModelStore.Listing {
        try fail(.modelFolder, name)
        return try inner.listing(of: name)
    }
    func fingerprint(name: String, version: Int) throws -> String? {
        try fail(.versionFolder, "\(name)/\(version)")
        return try inner.fingerprint(name: name, version: version)
    }
    func load(name: String, version: Int) throws -> LoadedModel { try inner.load(name: name, version: version) }
    func store(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata, companions: [String: [UInt8]]) throws -> Int {
        hold(.store)
        return try inner.store(name: name, model: model, metadata: metadata, companions: companions)
    }
    func activation(of name: String) throws -> Int? { try inner.activation(of: name) }
    func storeActivation(name: String, version: Int) throws {
        hold(.activation)
        try inner.storeActivation(name: name, version: version)
    }
    func removeLeftovers() -> [String] { inner.removeLeftovers() }
}

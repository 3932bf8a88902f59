// The <root>/<name>/<version>/model.safetensors layout: listing, junk, next versions, races.
import AECheckpoint
import Foundation
import Testing

@Suite struct ModelStoreTests {
    static let file = SafeTensorsFile(tensors: ["w": Tensor(shape: [2], values: [1, 2])], metadata: ["format": "aeserve/1"])

    /// Creates `<root>/<name>/<folder>/` and, when `complete`, a model.safetensors in it.
    func makeVersion(_ store: ModelStore, _ name: String, _ folder: String, complete: Bool = true) throws {
        let directory = store.root.appendingPathComponent(name).appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if complete { try SafeTensors.write(Self.file, to: directory.appendingPathComponent("model.safetensors")) }
    }

    @Test func versionsAreNumericallySortedWithGapsAndJunkIgnored() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = ModelStore(root: scratch.url)
        for folder in ["10", "3", "1"] { try makeVersion(store, "mnist", folder) }
        for junk in ["0", "-1", "007", "2.5", "latest", "+4"] { try makeVersion(store, "mnist", junk) }
        try makeVersion(store, "mnist", "11", complete: false)
        _ = FileManager.default.createFile(atPath: scratch.url.appendingPathComponent("mnist/12").path, contents: Data())

        #expect(try store.versions(of: "mnist") == [1, 3, 10])
        #expect(try store.latestVersion(of: "mnist") == 10)
        #expect(store.url(name: "mnist", version: 3).path == scratch.url.path + "/mnist/3/model.safetensors")
    }

    @Test func modelNamesListOnlyValidNamesWithACompleteVersion() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = ModelStore(root: scratch.url)
        try makeVersion(store, "zeta", "2")
        try makeVersion(store, "alpha-1.0_b", "1")
        try makeVersion(store, "empty", "1", complete: false)
        try makeVersion(store, ".hidden", "1")
        try makeVersion(store, "only-junk", "latest")
        #expect(try store.modelNames() == ["alpha-1.0_b", "zeta"])
        #expect(try store.versions(of: "unknown") == [])
        #expect(try store.latestVersion(of: "unknown") == nil)
    }

    @Test func invalidModelNamesAreRefusedWithAReason() {
        let store = ModelStore(root: URL(fileURLWithPath: "/nonexistent"))
        for name in ["", ".x", "../evil", "a/b", "naïve", "sp ace"] {
            let error = #expect(throws: CheckpointError.self, "\(name)") { try store.versions(of: name) }
            #expect(error?.description.hasPrefix("invalid model name '\(name)'") == true, "\(String(describing: error))")
        }
    }

    @Test func newVersionIsOneAboveTheHighestNumberInUse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = ModelStore(root: scratch.url)
        #expect(try store.writeNewVersion(name: "fresh", file: Self.file) == 1)
        try makeVersion(store, "mnist", "2")
        try makeVersion(store, "mnist", "5", complete: false)  // another writer's reservation
        #expect(try store.writeNewVersion(name: "mnist", file: Self.file) == 6)
        #expect(try store.versions(of: "mnist") == [2, 6])
        #expect(try SafeTensors.read(contentsOf: store.url(name: "mnist", version: 6)).tensors == Self.file.tensors)
        let folder = try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("mnist/6").path)
        #expect(folder == ["model.safetensors"], "no temporary file is left beside the model")
    }

    @Test func failedWriteFreesItsVersionNumber() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = ModelStore(root: scratch.url)
        let diverged = SafeTensorsFile(tensors: ["w": Tensor(shape: [1], values: [.infinity])])
        #expect(throws: CheckpointError.self) { try store.writeNewVersion(name: "mnist", file: diverged) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("mnist").path) == [])
    }

    @Test func concurrentWritersGetDistinctVersions() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = ModelStore(root: scratch.url)
        let writers = 8
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<writers {
            group.enter()
            Thread {
                results.append(Result { () throws(CheckpointError) in try store.writeNewVersion(name: "race", file: Self.file) })
                group.leave()
            }.start()
        }
        group.wait()
        let versions = try results.values.map { try $0.get() }
        #expect(versions.sorted() == Array(1...writers))
        #expect(try store.versions(of: "race") == Array(1...writers))
    }
}

/// Results collected from plain threads; the lock makes the unchecked Sendable sound.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<Int, CheckpointError>] = []

    func append(_ result: Result<Int, CheckpointError>) { lock.withLock { storage.append(result) } }
    var values: [Result<Int, CheckpointError>] { lock.withLock { storage } }
}

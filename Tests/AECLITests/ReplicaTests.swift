// Several `aeserve` processes on one models folder: activations followed by every replica and
// kept across restarts, concurrent trainers, leftovers of killed writers, bounded memory as
// versions accumulate, and KServe's --model-name / --model-base-path.
import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("Replicas on one models folder (process)", .serialized)
struct ReplicaTests {
    /// A folder with `models/small/1…versions` written (seeded).
    static func sharedModels(versions: Int) throws -> URL {
        let folder = try TestEnvironment.temporaryDirectory("replicas")
        for version in 1...versions {
            let model = try Autoencoder<Float>(architecture: ServeProcessTests.architecture, seed: UInt64(version))
            let url = ModelStore(root: folder.appendingPathComponent("models")).url(name: "small", version: version)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try ModelCheckpoint.save(model, metadata: CheckpointMetadata(seed: UInt64(version)), to: url)
        }
        return folder
    }

    /// A replica over `shared`'s models with a state folder of its own.
    static func replica(_ shared: URL, _ label: String, environment: [String: String] = [:]) throws -> ServeProcess {
        try ServeProcess(folder: shared.appendingPathComponent(label), environment: environment,
                         modelArguments: ["--models", shared.appendingPathComponent("models").path])
    }

    static func servedVersion(_ server: ServeProcess) -> Int? {
        (try? server.get("/models/small").json())?["version"]?.int
    }

    @Test("an activation through one replica is stored in the models root, followed by the other within a poll, and kept when both restart; an old state/activations.json is migrated once")
    func activationsFollowAcrossReplicas() throws {
        let shared = try Self.sharedModels(versions: 3)
        defer { try? FileManager.default.removeItem(at: shared) }
        // An older aeserve kept its activation in the state folder: the first replica moves it.
        let legacy = shared.appendingPathComponent("a/state/activations.json")
        try FileManager.default.createDirectory(at: legacy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(#"{"small": 2}"#.utf8).write(to: legacy)
        var a = try Self.replica(shared, "a")
        var b = try Self.replica(shared, "b")
        #expect(Self.servedVersion(a) == 2 && Self.servedVersion(b) == 2, "the migrated activation is followed by both")
        #expect(FileManager.default.fileExists(atPath: legacy.path + ".migrated"))

        let activated = try a.post("/models/small/activate", #"{"version": 1}"#)
        #expect(activated.status == 200, "\(activated.text)")
        #expect(try String(contentsOf: shared.appendingPathComponent("models/small/activation.json"), encoding: .utf8)
            .contains(#""version":1"#))
        #expect(waitUntil(timeout: 10) { Self.servedVersion(b) == 1 }, "replica b follows within a poll")
        #expect(try b.post("/encode", #"{"vector": [\#(Array(repeating: "0.5", count: 16).joined(separator: ","))]}"#)
            .json()["model"]?["version"]?.int == 1)
        let forward = try b.post("/models/small/activate", #"{"version": 3}"#)
        #expect(forward.status == 200, "\(forward.text)")
        #expect(waitUntil(timeout: 10) { Self.servedVersion(a) == 3 }, "and replica a follows b")

        for server in [a, b] { #expect(server.stop(SIGTERM)?.status == 0) }
        a = try Self.replica(shared, "a")
        b = try Self.replica(shared, "b")
        #expect(Self.servedVersion(a) == 3 && Self.servedVersion(b) == 3, "the activation survives restarts of all")
        #expect(!a.log.contains("activations moved"), "migrated once")
        for server in [a, b] { #expect(server.stop(SIGTERM)?.status == 0) }
    }

    @Test("trainer processes writing one model at once get distinct versions")
    func concurrentTrainerProcesses() throws {
        let folder = try TestEnvironment.temporaryDirectory("replicas")
        defer { try? FileManager.default.removeItem(at: folder) }
        var g = RandomGenerator(seed: 5)
        let rows = (0..<32).map { _ in "[" + (0..<16).map { _ in "\(Float(g.nextUniform()))" }.joined(separator: ",") + "]" }
        let data = folder.appendingPathComponent("data.json")
        try Data("[\(rows.joined(separator: ","))]".utf8).write(to: data)
        let architecture = folder.appendingPathComponent("architecture.json")
        try Data(ServeProcessTests.architecture.jsonText().utf8).write(to: architecture)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeserve")
        let trainers = (0..<4).map { i in
            let process = Process()
            process.executableURL = binary
            process.arguments = ["train", "--architecture", architecture.path, "--dataset", data.path, "--epochs", "2",
                                 "--batch-size", "8", "--seed", "\(i)", "--out", folder.appendingPathComponent("models/shared").path]
            process.standardOutput = Pipe()
            process.standardError = FileHandle.nullDevice
            return process
        }
        for trainer in trainers { try trainer.run() }
        var written: [Int] = []
        for trainer in trainers {
            let output = (trainer.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
            while trainer.isRunning { usleep(10_000) }
            #expect(trainer.terminationStatus == 0)
            let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if let version = Int(URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent) { written.append(version) }
        }
        #expect(written.sorted() == [1, 2, 3, 4])
        #expect(try ModelStore(root: folder.appendingPathComponent("models")).versions(of: "shared") == [1, 2, 3, 4])
    }

    // Issue 11: temporary files left by kill -9 were never removed.
    @Test("leftovers of writers killed mid-write are removed at start, while a live writer's file is kept")
    func leftoversRemovedAtStart() throws {
        let shared = try Self.sharedModels(versions: 1)
        defer { try? FileManager.default.removeItem(at: shared) }
        let models = shared.appendingPathComponent("models")
        // What kill -9 leaves: temp files no process holds, and a claimed version folder never filled.
        let leftovers = ["small/1/.model.safetensors.tmp-77-1f", "small/.activation.json.tmp-78-2e", "small/2/.model.safetensors.tmp-79-3d"]
        try FileManager.default.createDirectory(at: models.appendingPathComponent("small/2"), withIntermediateDirectories: true)
        for path in leftovers { _ = FileManager.default.createFile(atPath: models.appendingPathComponent(path).path, contents: Data("x".utf8)) }
        try FileManager.default.createDirectory(at: models.appendingPathComponent("small/3"), withIntermediateDirectories: true)
        let server = try Self.replica(shared, "a")
        for path in leftovers + ["small/2", "small/3"] {
            #expect(!FileManager.default.fileExists(atPath: models.appendingPathComponent(path).path), "\(path) removed")
        }
        #expect(server.log.contains("leftover"), "the removal is logged")
        #expect(Self.servedVersion(server) == 1)
        #expect(server.stop(SIGTERM)?.status == 0)
    }

    // Issue 11: out of file descriptors, the poll took the unreadable folders for deleted ones
    // and unloaded every model (/encode 404, /readyz 503 until descriptors were free again).
    @Test("out of file descriptors, polls keep every model served and log why; nothing is unloaded")
    func descriptorExhaustion() throws {
        let shared = try Self.sharedModels(versions: 2)
        defer { try? FileManager.default.removeItem(at: shared) }
        let server = try Self.replica(shared, "a")
        defer { _ = server.stop(SIGTERM) }
        // Accepted before the limit drops, so it still reaches the server afterwards.
        let connection = try HTTPConnection(port: server.port)
        #expect(try connection.request("GET", "/readyz").status == 200)
        let pid = server.process.processIdentifier
        let original = try Self.descriptorLimit(pid)
        // With the soft limit at 3, every open, opendir and accept of the server fails with EMFILE.
        try Self.setDescriptorLimit(pid, "3")
        let unreadable = waitUntil(timeout: 10) { server.log.contains("cannot read the models folder") }
        // A poll failed meanwhile; the connection accepted before is still answered.
        let vector = Array(repeating: "0.5", count: 16).joined(separator: ",")
        let encode = try connection.request("POST", "/encode", body: Array(#"{"vector": [\#(vector)]}"#.utf8))
        let ready = try connection.request("GET", "/readyz")
        try Self.setDescriptorLimit(pid, original)
        #expect(unreadable, "the failed poll is logged; log:\n\(server.log.suffix(2000))")
        #expect(server.log.contains("Too many open files"), "the log names the reason")
        #expect(encode.status == 200, "\(encode.text)")
        #expect(try encode.json()["model"]?["version"]?.int == 2)
        #expect(ready.status == 200, "\(ready.text)")
        #expect(!server.log.contains("model version removed"), "nothing was unloaded")
        #expect(waitUntil(timeout: 10) { (try? server.get("/readyz"))?.status == 200 }, "new clients are answered again")
        #expect(try server.get("/models/small").json()["versions"] == .array([.number("1"), .number("2")]))
    }

    /// The soft RLIMIT_NOFILE of process `pid`, as prlimit(1) prints it.
    static func descriptorLimit(_ pid: Int32) throws -> String {
        try runPrlimit(["--pid", "\(pid)", "--nofile", "--output=SOFT", "--noheadings"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sets the soft RLIMIT_NOFILE of process `pid` (util-linux prlimit(1); the hard limit stays).
    static func setDescriptorLimit(_ pid: Int32, _ soft: String) throws {
        _ = try runPrlimit(["--pid", "\(pid)", "--nofile=\(soft):"])
    }

    private static func runPrlimit(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "prlimit \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a replica with training disabled answers the training routes 503 naming training.enabled")
    func trainingDisabled() throws {
        let shared = try Self.sharedModels(versions: 1)
        defer { try? FileManager.default.removeItem(at: shared) }
        let server = try Self.replica(shared, "a", environment: ["AESERVE_TRAINING_ENABLED": "false"])
        for (method, path) in [("POST", "/train-job"), ("GET", "/train-job"), ("GET", "/train-job/job-1"),
                               ("DELETE", "/train-job/job-1"), ("GET", "/train-job/job-1/events")] {
            let response = try HTTPClient.request(port: server.port, method, path, body: method == "POST" ? Array("{}".utf8) : nil)
            #expect(response.status == 503, "\(method) \(path): \(response.status)")
            let message = try response.json()["error"]?["message"]?.string ?? ""
            #expect(message.contains("training.enabled"), "\(method) \(path): \(message)")
        }
        #expect(try server.get("/readyz").status == 200)
        #expect(server.stop(SIGTERM)?.status == 0)
    }

    @Test("50 versions published one after another keep the resident memory near loaded_versions models")
    func memoryStaysBounded() throws {
        let folder = try TestEnvironment.temporaryDirectory("replicas")
        defer { try? FileManager.default.removeItem(at: folder) }
        // 1 MB of weights per version, so 50 of them loaded would be 53 MB. (Small: loading
        // a checkpoint in the debug build the tests run takes about a second per megabyte.)
        let wide = Architecture(kind: .autoencoder, inputDimension: 512,
                                encoder: [.init(units: 256, activation: .relu), .init(units: 8, activation: .linear)],
                                decoder: [.init(units: 256, activation: .relu), .init(units: 512, activation: .sigmoid)])
        let modelBytes = try Autoencoder<Float>(architecture: wide, seed: 1).parameterCount * 4
        let staging = folder.appendingPathComponent("staging")
        let checkpoint = staging.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try ModelCheckpoint.save(try Autoencoder<Float>(architecture: wide, seed: 1), metadata: CheckpointMetadata(), to: checkpoint)
        let models = folder.appendingPathComponent("models/wide")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        /// A version appears whole, as a trainer's does: a hard link of the checkpoint, moved in.
        func publish(_ version: Int) throws {
            let next = staging.appendingPathComponent("v\(version)")
            try FileManager.default.createDirectory(at: next, withIntermediateDirectories: true)
            try FileManager.default.linkItem(at: checkpoint, to: next.appendingPathComponent("model.safetensors"))
            try FileManager.default.moveItem(at: next, to: models.appendingPathComponent("\(version)"))
        }
        try publish(1)
        let server = try ServeProcess(folder: folder, environment: ["AESERVE_MODELS_LOADED_VERSIONS": "2"],
                                      modelArguments: ["--models", folder.appendingPathComponent("models").path])
        defer { _ = server.stop(SIGTERM) }
        let before = try #require(server.residentBytes)
        /// The versions /models/wide shows loaded.
        func loaded() -> [Int]? {
            (try? server.get("/models/wide").json())?["version_details"]?.array?
                .filter { $0["loaded"]?.bool == true }.compactMap { $0["version"]?.int }
        }
        // Ten at a time, as trainers finishing one after another between two polls; each round
        // ends when the poll has loaded the latest two and dropped the rest (a poll loads the
        // new versions first, then unloads, so a moment holds both).
        for last in stride(from: 10, through: 50, by: 10) {
            for version in max(2, last - 9)...last { try publish(version) }
            #expect(waitUntil(timeout: 60) { loaded() == [last - 1, last] }, "round \(last): \(loaded() ?? [])")
        }
        let after = try #require(server.residentBytes)
        let listed = try server.get("/models/wide").json()
        #expect(listed["version"]?.int == 50)
        #expect(listed["versions"]?.array?.count == 50, "every version is listed")
        // Two loaded in place of the first one, plus allocator slack (a few MB on this debug
        // build, from the transient buffers of ten loads); 50 loaded would add 49 models' worth.
        let grown = Double(after - before) / Double(modelBytes)
        #expect(grown < 20, "resident memory grew by \(grown) models' worth (\(before >> 20) → \(after >> 20) MiB)")
        let old = try server.post("/encode", #"{"model": "wide", "version": 3, "vector": [\#(Array(repeating: "0.1", count: 512).joined(separator: ","))]}"#)
        #expect(old.status == 200, "\(old.text)")
        #expect(try old.json()["model"]?["version"]?.int == 3, "an old version loads on its first request")
    }

    @Test("--model-name and --model-base-path serve one model from a KServe-style folder; readiness, activation and OIP work unchanged")
    func kserveConventions() throws {
        let shared = try Self.sharedModels(versions: 2)
        defer { try? FileManager.default.removeItem(at: shared) }
        let base = shared.appendingPathComponent("mnt-models")
        try FileManager.default.moveItem(at: shared.appendingPathComponent("models/small"), to: base)
        let server = try ServeProcess(folder: shared.appendingPathComponent("a"),
                                      modelArguments: ["--model-name", "kmodel", "--model-base-path", base.path])
        #expect(try server.get("/readyz").status == 200)
        #expect(try server.get("/v2/health/ready").status == 200)
        #expect(try server.get("/v2/models/kmodel/ready").status == 200)
        let metadata = try server.get("/v2/models/kmodel").json()
        #expect(metadata["versions"] == .array([.string("1"), .string("2")]))
        let vector = Array(repeating: "0.5", count: 16).joined(separator: ",")
        let infer = try server.post("/v2/models/kmodel/infer", #"{"inputs": [{"name": "input", "shape": [1, 16], "datatype": "FP32", "data": [\#(vector)]}]}"#)
        #expect(infer.status == 200, "\(infer.text)")
        #expect(try infer.json()["model_version"]?.string == "2")
        #expect(try server.post("/encode", #"{"vector": [\#(vector)]}"#).json()["model"]?["name"]?.string == "kmodel")
        #expect(try server.get("/models").json()["models"]?.array?.compactMap { $0["name"]?.string } == ["kmodel"])
        #expect(try server.post("/models/kmodel/activate", #"{"version": 1}"#).status == 200)
        #expect(try ModelStore(modelName: "kmodel", basePath: base).activation(of: "kmodel") == 1,
                "the activation is kept in the base path")
        #expect(server.stop(SIGTERM)?.status == 0)
    }
}

extension ServeProcess {
    /// The child's resident memory (VmRSS of /proc/<pid>/status), in bytes.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}

// The real `aeserve serve` binary as a child process: readiness through the port file and
// /readyz, one JSON log line per request, and training jobs that survive kill -9 and SIGTERM
// to end with the same weights as a run that never stopped.
import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Synchronization
import Testing

/// One `aeserve serve` child process over a temporary folder (`models/`, `state/`, `data/`).
final class ServeProcess {
    let folder: URL
    let process = Process()
    let port: Int
    let logURL: URL

    var modelsRoot: URL { folder.appendingPathComponent("models") }
    var stateFolder: URL { folder.appendingPathComponent("state") }

    /// Starts the binary on 127.0.0.1 port 0 over `folder` and waits until /readyz answers 200.
    /// `modelArguments` replace `--models <folder>/models` (another models root, or
    /// `--model-name`/`--model-base-path`).
    init(folder: URL, environment: [String: String] = [:], modelArguments: [String]? = nil,
         sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.folder = folder
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeserve")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "aeserve not found beside the tests at \(binary.path); run swift build", sourceLocation: sourceLocation)
        for sub in ["models", "state", "data"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let portFile = folder.appendingPathComponent("port-\(UUID().uuidString)")
        logURL = folder.appendingPathComponent("serve-\(UUID().uuidString).log")
        try #require(FileManager.default.createFile(atPath: logURL.path, contents: nil),
                     "could not create the log file \(logURL.path)", sourceLocation: sourceLocation)
        process.executableURL = binary
        process.arguments = [
            "serve", "--host", "127.0.0.1", "--port", "0", "--port-file", portFile.path,
        ] + (modelArguments ?? ["--models", folder.appendingPathComponent("models").path]) + [
            "--state", folder.appendingPathComponent("state").path,
            "--data-root", folder.appendingPathComponent("data").path, "--default-model", "small",
            "--poll-interval", "0.2", "--log-format", "json",
        ]
        // No config file in the working folder, and none of the caller's AESERVE_* settings.
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AESERVE_") }
            .merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()

        // Ready when the port file is written and /readyz answers 200; never a fixed sleep.
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while Date() < deadline, process.isRunning {
            if port == nil, let text = try? String(contentsOf: portFile, encoding: .utf8) { port = Int(text) }
            if let port, (try? HTTPClient.request(port: port, "GET", "/readyz", timeout: 2))?.status == 200 { break }
            usleep(20_000)
        }
        guard let port, process.isRunning else {
            if process.isRunning { process.terminate() }
            throw HTTPClientError("aeserve serve did not become ready; its log:\n\(Self.read(logURL))")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Sends `signal` to the child (by its PID) and waits up to `timeout` seconds for it to exit;
    /// returns its exit status, or nil if it is still running.
    @discardableResult
    func stop(_ signal: Int32, timeout: Double = 20) -> (status: Int32, reason: Process.TerminationReason, seconds: Double)? {
        let start = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning && Date().timeIntervalSince(start) < timeout { usleep(10_000) }
        guard !process.isRunning else { return nil }
        return (process.terminationStatus, process.terminationReason, Date().timeIntervalSince(start))
    }

    /// The log written to standard error so far.
    var log: String { Self.read(logURL) }

    private static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPMessage {
        try HTTPClient.request(port: port, "GET", path, headers: headers)
    }

    func post(_ path: String, _ json: String, headers: [(String, String)] = []) throws -> HTTPMessage {
        try HTTPClient.request(port: port, "POST", path, headers: headers, json: json)
    }

    /// Polls the job until `condition` holds; returns the last job seen.
    func waitForJob(_ id: String, timeout: Double = 180, _ condition: (JSONValue) -> Bool) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var job = JSONValue.null
        while Date() < deadline, process.isRunning {
            job = try get("/train-job/\(id)").json()
            if condition(job) { return job }
            usleep(20_000)
        }
        throw HTTPClientError("job \(id) did not reach the expected state: \(job)\nlog:\n\(log.suffix(2000))")
    }
}

@Suite("aeserve serve (process)", .serialized)
struct ServeProcessTests {
    static let architecture = Architecture(
        kind: .autoencoder, inputDimension: 16,
        encoder: [.init(units: 12, activation: .relu), .init(units: 4, activation: .linear)],
        decoder: [.init(units: 12, activation: .relu), .init(units: 16, activation: .sigmoid)])

    /// Epochs of the seeded job: enough to stop it mid-way, few enough for a loaded machine,
    /// where a job at the lowest priority gets what CPU the tests beside it leave.
    static let jobEpochs = 24

    /// A seeded job long enough (tens of epochs of small batches) to be caught mid-training.
    static func jobBody(model: String, epochs: Int = jobEpochs) -> String {
        var g = RandomGenerator(seed: 3)
        let vectors = (0..<256).map { _ in "[" + (0..<16).map { _ in "\(Float(g.nextUniform()))" }.joined(separator: ",") + "]" }
        return """
            {"model": "\(model)", "architecture": \(architecture.jsonText()),
             "dataset": {"vectors": [\(vectors.joined(separator: ","))]},
             "training": {"epochs": \(epochs), "batch_size": 2, "optimizer": "adam", "learning_rate": 0.002,
                          "validation_split": 0.1, "seed": 1234},
             "activate": true}
            """
    }

    static func newFolder() throws -> URL {
        let folder = try TestEnvironment.temporaryDirectory("serve-process")
        let model = try Autoencoder<Float>(architecture: architecture, seed: 1)
        let url = folder.appendingPathComponent("models/small/1/model.safetensors")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ModelCheckpoint.save(model, metadata: CheckpointMetadata(seed: 1), to: url)
        return folder
    }

    /// Expects the weights of two checkpoints to be equal bit for bit.
    static func expectSameWeights(_ a: URL, _ b: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let x = try ModelCheckpoint.load(contentsOf: a).model, y = try ModelCheckpoint.load(contentsOf: b).model
        #expect(x.layers.count == y.layers.count, sourceLocation: sourceLocation)
        for (i, (p, q)) in zip(x.layers, y.layers).enumerated() {
            #expect(p.weight.storage.map(\.bitPattern) == q.weight.storage.map(\.bitPattern), "layer \(i) weight",
                    sourceLocation: sourceLocation)
            #expect(p.bias.map(\.bitPattern) == q.bias.map(\.bitPattern), "layer \(i) bias", sourceLocation: sourceLocation)
        }
    }

    /// Submits the seeded job, stops the server with `signal` once two epochs are done, starts
    /// it again, and checks the job resumed (not restarted) and ends with the weights of the
    /// same job run without interruption.
    func interruptAndResume(signal: Int32) throws {
        let folder = try Self.newFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var server = try ServeProcess(folder: folder)
        let submitted = try server.post("/train-job", Self.jobBody(model: "crash"))
        try #require(submitted.status == 202, "\(submitted.text)")
        let id = try #require(try submitted.json()["id"]?.string)
        // A client following the job's events must not hold up the drain.
        let events = try HTTPConnection(port: server.port)
        try events.send("GET", "/train-job/\(id)/events")
        #expect(try events.readHead().status == 200)
        let before = try server.waitForJob(id) { ($0["progress"]?["epoch"]?.int ?? 0) >= 2 }
        let workers = ProcessTable.trainingWorkers(ofJob: id)
        #expect(workers.count == 1 && workers.first?.parent == server.process.processIdentifier,
                "one worker process, a child of the server: \(workers)")
        let stopped = try #require(server.stop(signal), "the server did not exit after signal \(signal)")
        // No orphan: the worker stopped (SIGTERM) or died with its parent (kill -9).
        #expect(ProcessTable.waitUntilGone(["train-worker", "\(id).assignment.json"], timeout: 5),
                "the worker outlived the server: \(ProcessTable.trainingWorkers(ofJob: id))")
        if signal == SIGTERM {
            #expect(stopped.reason == .exit && stopped.status == 0, "SIGTERM exits 0: \(stopped)\n\(server.log.suffix(2000))")
            #expect(stopped.seconds < 5, "drained in \(stopped.seconds) s with an events stream open")
            #expect(server.log.contains("\"message\":\"stopped\""))
        } else {
            #expect(stopped.reason == .uncaughtSignal)
        }
        let epochsBefore = try #require(before["history"]?.array)
        // The job is stored as running, with its resumable state beside it.
        let stored = try JSONValue.parse(Array(Data(contentsOf: folder.appendingPathComponent("state/jobs/\(id).json"))))
        #expect(stored["state"]?.string == "running", "\(stored["state"] ?? .null)")
        let storedEpoch = try #require(stored["progress"]?["epoch"]?.int)
        #expect(storedEpoch >= 2 && storedEpoch < Self.jobEpochs, "stopped mid-training (epoch \(storedEpoch) of \(Self.jobEpochs))")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("state/jobs/\(id).state.safetensors").path))

        server = try ServeProcess(folder: folder)
        let done = try server.waitForJob(id) { $0["state"]?.string.map { ["succeeded", "failed", "cancelled"].contains($0) } == true }
        #expect(done["state"]?.string == "succeeded", "\(done["error"] ?? .null)")
        #expect(done["resumed"]?.int == 1)
        let history = try #require(done["history"]?.array)
        #expect(history.compactMap { $0["epoch"]?.int } == Array(1...Self.jobEpochs), "one record per epoch")
        // The epochs done before the stop were kept, not trained again: their records, down to
        // the wall time of each, are those seen before the stop.
        #expect(Array(history.prefix(epochsBefore.count)) == epochsBefore)
        let version = try #require(done["result"]?["version"]?.int)

        // The same job, run without interruption on the same binary.
        let reference = try server.post("/train-job", Self.jobBody(model: "reference"))
        try #require(reference.status == 202, "\(reference.text)")
        let referenceID = try #require(try reference.json()["id"]?.string)
        let referenceDone = try server.waitForJob(referenceID) { $0["state"]?.string == "succeeded" }
        #expect(referenceDone["resumed"]?.int == 0)
        try Self.expectSameWeights(folder.appendingPathComponent("models/crash/\(version)/model.safetensors"),
                                   folder.appendingPathComponent("models/reference/1/model.safetensors"))
        // The resumed job's final losses equal the uninterrupted run's.
        #expect(done["result"]?["train_loss"] == referenceDone["result"]?["train_loss"])
        #expect(server.stop(SIGTERM)?.status == 0)
    }

    @Test("kill -9 of the worker mid-training: the server answers /encode throughout and the job resumes to the weights of an uninterrupted run")
    func workerKilled() throws {
        let folder = try Self.newFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        let submitted = try server.post("/train-job", Self.jobBody(model: "victim", epochs: 12))
        try #require(submitted.status == 202, "\(submitted.text)")
        let id = try #require(try submitted.json()["id"]?.string)
        _ = try server.waitForJob(id) { ($0["progress"]?["epoch"]?.int ?? 0) >= 2 }
        let worker = try #require(ProcessTable.trainingWorkers(ofJob: id).first, "no worker for \(id)")

        // Requests go on while the worker dies and a new one takes over.
        let vector = "[" + Array(repeating: "0.5", count: 16).joined(separator: ",") + "]"
        let answers = Mutex<[Int]>([])
        let stop = Atomic<Bool>(false)
        let port = server.port
        let client = Thread {
            while !stop.load(ordering: .relaxed) {
                let status = (try? HTTPClient.request(port: port, "POST", "/encode", json: #"{"vector": \#(vector)}"#, timeout: 5))?.status ?? -1
                answers.withLock { $0.append(status) }
                usleep(20_000)
            }
        }
        client.start()
        defer { stop.store(true, ordering: .relaxed) }
        kill(worker.pid, SIGKILL)
        let done = try server.waitForJob(id, timeout: 180) {
            $0["state"]?.string.map { ["succeeded", "failed", "cancelled"].contains($0) } == true
        }
        stop.store(true, ordering: .relaxed)
        while client.isExecuting { usleep(1_000) }
        #expect(done["state"]?.string == "succeeded", "\(done["error"] ?? .null)")
        #expect(done["attempts"]?.int == 2)
        let statuses = answers.withLock { $0 }
        #expect(statuses.count > 10 && statuses.allSatisfy { $0 == 200 }, "/encode answers while the worker died: \(Set(statuses))")

        let reference = try server.post("/train-job", Self.jobBody(model: "reference", epochs: 12))
        let referenceID = try #require(try reference.json()["id"]?.string)
        _ = try server.waitForJob(referenceID) { $0["state"]?.string == "succeeded" }
        try Self.expectSameWeights(folder.appendingPathComponent("models/victim/1/model.safetensors"),
                                   folder.appendingPathComponent("models/reference/1/model.safetensors"))
        #expect(server.stop(SIGTERM)?.status == 0)
    }

    @Test("DELETE of a running job stops its worker cleanly: the job is cancelled and no worker is left")
    func cancelStopsWorker() throws {
        let folder = try Self.newFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        let submitted = try server.post("/train-job", Self.jobBody(model: "cancelled"))
        let id = try #require(try submitted.json()["id"]?.string)
        _ = try server.waitForJob(id) { ($0["progress"]?["epoch"]?.int ?? 0) >= 1 }
        #expect(ProcessTable.trainingWorkers(ofJob: id).count == 1)
        #expect(try HTTPClient.request(port: server.port, "DELETE", "/train-job/\(id)").status == 200)
        let done = try server.waitForJob(id) { $0["state"]?.string == "cancelled" }
        #expect(done["error"] == nil || done["error"] == .null, "a clean stop is no failure: \(done)")
        #expect(ProcessTable.waitUntilGone(["train-worker", "\(id).assignment.json"], timeout: 5))
        #expect(!server.log.contains("killed by signal"), "the worker was stopped, not killed")
        #expect(server.stop(SIGTERM)?.status == 0)
    }

    @Test("kill -9 mid-training: the restarted server resumes the job from its last completed epoch to the weights of an uninterrupted run")
    func crashResume() throws {
        try interruptAndResume(signal: SIGKILL)
    }

    @Test("SIGTERM mid-training exits 0 with the job stored; the restarted server resumes it to the weights of an uninterrupted run")
    func sigtermResume() throws {
        try interruptAndResume(signal: SIGTERM)
    }

    @Test("the binary logs one JSON line per request with method, path, status, bytes, duration and the request id it echoes")
    func requestLogLines() throws {
        let folder = try Self.newFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        let vector = "[" + Array(repeating: "0.5", count: 16).joined(separator: ",") + "]"
        let encode = try server.post("/encode", #"{"vector": \#(vector)}"#, headers: [("X-Request-Id", "e2e-encode")])
        #expect(encode.status == 200 && encode.header("X-Request-Id") == "e2e-encode")
        let missing = try server.get("/nope", headers: [("X-Request-Id", "e2e-missing")])
        #expect(missing.status == 404)
        let generated = try server.get("/healthz")
        let generatedID = try #require(generated.header("X-Request-Id"))
        #expect(server.stop(SIGTERM)?.status == 0)

        let lines = server.log.split(separator: "\n")
        let objects = try lines.map { line in try JSONValue.parse(String(line)) }  // every line is one JSON object
        let requests = objects.filter { $0["message"]?.string == "request" }
        func line(_ id: String) -> [JSONValue] { requests.filter { $0["request_id"]?.string == id } }
        #expect(line("e2e-encode").count == 1 && line("e2e-missing").count == 1 && line(generatedID).count == 1)
        let first = try #require(line("e2e-encode").first)
        #expect(first["method"]?.string == "POST" && first["path"]?.string == "/encode" && first["status"]?.int == 200)
        #expect(first["bytes"]?.int == encode.body.count)
        #expect((first["duration_ms"]?.double ?? -1) >= 0)
        #expect(first["level"]?.string == "info" && first["time"]?.string != nil)
        #expect(line("e2e-missing").first?["status"]?.int == 404)
    }
}

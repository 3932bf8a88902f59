// The training-job endpoints over a real socket: submit, list, get, cancel, server-sent
// events, the queue bound, Idempotency-Key, and dataset path confinement.
import AECheckpoint
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("Training jobs (live)")
struct JobTests {
    /// A train-job body for the small architecture on inline vectors.
    static func body(model: String = "small", epochs: Int = 3, samples: Int = 64, seed: Int = 7, activate: Bool = true,
                     dataset: String? = nil) -> String {
        let data = dataset ?? #"{"vectors": \#(jsonRows(smallVectors(count: samples)))}"#
        return """
            {"model": "\(model)",
             "architecture": {"kind": "autoencoder", "input_dim": 8,
                              "encoder": [{"units": 6, "activation": "relu"}, {"units": 3, "activation": "linear"}],
                              "decoder": [{"units": 6, "activation": "relu"}, {"units": 8, "activation": "sigmoid"}]},
             "dataset": \(data),
             "training": {"epochs": \(epochs), "batch_size": 8, "learning_rate": 0.01, "seed": \(seed), "validation_split": 0.25},
             "activate": \(activate)}
            """
    }

    /// A job that trains long enough to be seen running (cancel it to end it).
    static let longBody = body(epochs: 10_000, samples: 256)

    /// Polls GET /train-job/{id} until `condition` holds for the job (or `timeout` seconds pass: a worker at the lowest CPU priority waits behind everything else on a busy machine); returns the last job seen.
    @discardableResult
    static func waitForJob(_ live: LiveService, _ id: String, timeout: Double = 120,
                           sourceLocation: SourceLocation = #_sourceLocation,
                           _ condition: (JSONValue) -> Bool) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var job = JSONValue.null
        while Date() < deadline {
            job = try live.get("/train-job/\(id)").json()
            if condition(job) { return job }
            usleep(10_000)
        }
        Issue.record("job \(id) did not reach the expected state: \(job)", sourceLocation: sourceLocation)
        return job
    }

    static func submit(_ live: LiveService, _ body: String, headers: [(String, String)] = [],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let response = try live.post("/train-job", body, headers: headers)
        try #require(response.status == 202, "\(response.status): \(response.text)", sourceLocation: sourceLocation)
        return try #require(try response.json()["id"]?.string, sourceLocation: sourceLocation)
    }

    @Test("a job is accepted with 202 and a Location, listed newest first and by status, and its model is served at once")
    func lifecycle() throws {
        let live = try LiveService()
        defer { live.stop() }
        let submitted = try live.post("/train-job", Self.body(model: "fresh", epochs: 3))
        #expect(submitted.status == 202, "\(submitted.text)")
        let id = try #require(try submitted.json()["id"]?.string)
        #expect(submitted.header("Location") == "/train-job/\(id)")
        #expect(try submitted.json()["state"]?.string == "queued")

        let done = try Self.waitForJob(live, id) { $0["state"]?.string == "succeeded" }
        #expect(done["progress"]?["epoch"]?.int == 3 && done["progress"]?["epochs"]?.int == 3)
        #expect(done["history"]?.array?.count == 3)
        #expect(done["result"]?["version"]?.int == 1 && done["result"]?["activated"]?.bool == true)

        // Served at once, without waiting for a poll: outputs are those of the written checkpoint.
        let model = try ModelCheckpoint.load(contentsOf: live.modelsRoot.appendingPathComponent("fresh/1/model.safetensors")).model
        let input = smallVectors(count: 3)
        let encoded = try live.post("/encode", #"{"model": "fresh", "vectors": \#(jsonRows(input))}"#)
        #expect(try encoded.json()["model"]?["version"]?.int == 1)
        let expected = rows(model.encode(matrix(input)).latent)
        for (i, row) in try #require(try encoded.json()["latents"]?.numberTextRows).enumerated() {
            expectFloatTexts(row, equal: expected[i], "latents[\(i)]")
        }
        let summary = try live.get("/models/fresh").json()
        #expect(summary["training"]?["epochs"]?.int == 3)

        let second = try Self.submit(live, Self.body(model: "fresh", epochs: 1, seed: 8, activate: false))
        try Self.waitForJob(live, second) { $0["state"]?.string == "succeeded" }
        // Not activated: version 1 stays served although version 2 is higher.
        #expect(try live.get("/models/fresh").json()["version"]?.int == 1)

        let list = try live.get("/train-job").json()
        #expect(list["jobs"]?.array?.compactMap { $0["id"]?.string } == [second, id])
        #expect(try live.get("/train-job?status=succeeded").json()["jobs"]?.array?.count == 2)
        #expect(try live.get("/train-job?status=running").json()["jobs"]?.array?.count == 0)
        expectError(try live.get("/train-job?status=done"), 422, mentions: ["status", "succeeded", "'done'"])
    }

    @Test("/train-job/{id}/events streams one event per finished epoch and one at the end, also to a late subscriber")
    func events() throws {
        let live = try LiveService()
        defer { live.stop() }
        // Hold the job in the queue behind a long one, so the stream is open before it starts.
        let blocker = try Self.submit(live, Self.longBody)
        try Self.waitForJob(live, blocker) { $0["state"]?.string == "running" }
        let id = try Self.submit(live, Self.body(epochs: 4))
        let stream = try HTTPConnection(port: live.port)
        try stream.send("GET", "/train-job/\(id)/events")
        let head = try stream.readHead()
        #expect(head.status == 200)
        #expect(head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(try live.request("DELETE", "/train-job/\(blocker)").status == 200)

        let events = try stream.readEvents()
        #expect(events.map(\.event) == ["epoch", "epoch", "epoch", "epoch", "end"])
        #expect(events.prefix(4).map(\.id) == ["1", "2", "3", "4"])
        let first = try JSONValue.parse(events[0].data)
        #expect(first["epoch"]?["epoch"]?.int == 1 && first["epochs"]?.int == 4 && first["job"]?.string == id)
        #expect(first["epoch"]?["train_loss"]?.double != nil)
        let end = try JSONValue.parse(events[4].data)
        #expect(end["state"]?.string == "succeeded" && end["id"]?.string == id)

        // A subscriber that comes after the end still gets every epoch, then the end.
        let late = try HTTPConnection(port: live.port)
        try late.send("GET", "/train-job/\(id)/events")
        #expect(try late.readHead().status == 200)
        #expect(try late.readEvents().map(\.event) == ["epoch", "epoch", "epoch", "epoch", "end"])

        // A client reconnecting with Last-Event-ID gets only the epochs after it.
        let resumed = try HTTPConnection(port: live.port)
        try resumed.send("GET", "/train-job/\(id)/events", headers: [("Last-Event-ID", "2")])
        #expect(try resumed.readHead().status == 200)
        #expect(try resumed.readEvents().map { $0.id ?? $0.event } == ["3", "4", "end"])
    }

    @Test("the queue is bounded: past training.max_queued a submission gets 429 naming the limit and the setting")
    func queueFull() throws {
        let live = try LiveService(configure: { $0.training.maxQueued = 1 })
        defer { live.stop() }
        let running = try Self.submit(live, Self.longBody)
        try Self.waitForJob(live, running) { $0["state"]?.string == "running" }
        let queued = try Self.submit(live, Self.body())
        let full = try live.post("/train-job", Self.body(seed: 9))
        expectError(full, 429, "queue_full", mentions: ["limit 1", "training.max_queued"])
        #expect(full.header("Retry-After").flatMap(Int.init).map { $0 > 0 } == true, "a 429 says when to retry (regression: it had no Retry-After)")
        #expect(try live.request("DELETE", "/train-job/\(queued)").status == 200)
        #expect(try live.request("DELETE", "/train-job/\(running)").status == 200)
        try Self.waitForJob(live, running) { $0["state"]?.string == "cancelled" }
    }

    @Test("Idempotency-Key: a repeat returns the first job; the same key with another body is a 409")
    func idempotency() throws {
        let live = try LiveService()
        defer { live.stop() }
        let key = ("Idempotency-Key", "retry-\(UUID().uuidString)")
        let first = try live.post("/train-job", Self.body(epochs: 1), headers: [key])
        #expect(first.status == 202)
        let again = try live.post("/train-job", Self.body(epochs: 1), headers: [key])
        #expect(again.status == 202)
        let firstID = try first.json()["id"]
        #expect(try again.json()["id"] == firstID)
        #expect(again.header("Idempotent-Replayed") == "true")
        expectError(try live.post("/train-job", Self.body(epochs: 2), headers: [key]), 409, "idempotency_key_reused",
                    mentions: ["different body"])
        #expect(try live.get("/train-job").json()["jobs"]?.array?.count == 1)
    }

    @Test("DELETE cancels a queued job at once and a running job at its next batch; a finished job is a 409")
    func cancellation() throws {
        let live = try LiveService()
        defer { live.stop() }
        let running = try Self.submit(live, Self.longBody)
        try Self.waitForJob(live, running) { $0["state"]?.string == "running" }
        let queued = try Self.submit(live, Self.body())
        let cancelled = try live.request("DELETE", "/train-job/\(queued)")
        let state = try cancelled.json()["state"]?.string
        #expect(cancelled.status == 200 && state == "cancelled")
        #expect(try live.request("DELETE", "/train-job/\(running)").status == 200)
        try Self.waitForJob(live, running) { $0["state"]?.string == "cancelled" }
        expectError(try live.request("DELETE", "/train-job/\(running)"), 409, "job_finished", mentions: ["cancelled"])
        #expect(try live.get("/train-job?status=cancelled").json()["jobs"]?.array?.count == 2)
        // Nothing was written for the cancelled jobs.
        #expect(try live.get("/models/small").json()["versions"] == .array([.number("1")]))
    }

    @Test("a dataset path that is absolute, climbs with .., or leads out of the data roots is refused; one inside is trained on")
    func datasetPaths() throws {
        let live = try LiveService()
        defer { live.stop() }
        let outside = live.folder.appendingPathComponent("outside.csv")
        try "1,2,3,4,5,6,7,8\n".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: live.dataRoot.appendingPathComponent("escape.csv"), withDestinationURL: outside)
        for path in [outside.path, "../outside.csv", "sub/../../outside.csv", "escape.csv"] {
            let response = try live.post("/train-job", Self.body(dataset: #"{"path": "\#(path)"}"#))
            #expect([403, 422].contains(response.status), "\(path): \(response.status) \(response.text)")
            #expect(response.text.contains("dataset.path"), "\(path): \(response.text)")
        }
        expectError(try live.post("/train-job", Self.body(dataset: #"{"path": "missing.csv"}"#)), 422, mentions: ["dataset.path", "missing.csv"])

        let csv = smallVectors(count: 32).map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n")
        try csv.write(to: live.dataRoot.appendingPathComponent("inside.csv"), atomically: true, encoding: .utf8)
        let id = try Self.submit(live, Self.body(model: "fromfile", epochs: 1, dataset: #"{"path": "inside.csv", "limit": 16}"#))
        let job = try Self.waitForJob(live, id) { $0["state"]?.string.map { ["succeeded", "failed"].contains($0) } == true }
        #expect(job["state"]?.string == "succeeded", "\(job)")
    }
}

// Requests an attacker would send, each found to kill or mislead the server before (issue 11):
// every one is now refused at once with a 4xx that names the field, the byte or the setting,
// and the server goes on answering.
import AETestSupport
import Foundation
import Testing

@Suite("Hostile requests (live)", .serialized)
struct HostileRequestTests {
    static let architecture = #"{"kind": "autoencoder", "input_dim": 8, "encoder": [{"units": 3, "activation": "relu"}], "decoder": [{"units": 8, "activation": "sigmoid"}]}"#
    static let rows = "[[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7],[1,1,1,1,1,1,1,1],[0,0,0,0,0,0,0,0]]"

    /// A job body with `training` and `dataset` as given.
    static func job(architecture: String = architecture, dataset: String = #"{"vectors": \#(rows)}"#,
                    training: String = #"{"epochs": 1}"#) -> String {
        #"{"model": "hostile", "architecture": \#(architecture), "dataset": \#(dataset), "training": \#(training)}"#
    }

    /// Expects the server to be alive and to have queued nothing.
    static func expectUnharmed(_ live: LiveService, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try live.get("/healthz").status == 200, sourceLocation: sourceLocation)
        #expect(try live.get("/train-job").json()["jobs"]?.array?.isEmpty == true, "nothing was queued",
                sourceLocation: sourceLocation)
    }

    @Test("a batch_size of 2^63-1 is refused at submit (regression: 202, then the process died in the trainer's batch arithmetic, every restart)")
    func hugeBatchSize() throws {
        let live = try LiveService()
        defer { live.stop() }
        let answer = try live.post("/train-job", Self.job(training: #"{"batch_size": 9223372036854775807}"#))
        expectError(answer, 422, "invalid_training_options", mentions: ["batch_size", "9223372036854775807", "at most"])
        try Self.expectUnharmed(live)
    }

    @Test("a layer of 2^62 units is refused naming the field (regression: the parameter count trapped before answering)")
    func hugeUnits() throws {
        let live = try LiveService()
        defer { live.stop() }
        let huge = #"{"kind": "autoencoder", "input_dim": 8, "encoder": [{"units": 4611686018427387904, "activation": "relu"}], "decoder": [{"units": 8, "activation": "sigmoid"}]}"#
        expectError(try live.post("/train-job", Self.job(architecture: huge)), 422, "invalid_architecture",
                    mentions: ["encoder[0].units", "4611686018427387904"])
        try Self.expectUnharmed(live)
    }

    @Test("100,000 one-unit layers are refused naming the layer limit and its setting (regression: accepted, holding ~1 GB)")
    func tooManyLayers() throws {
        let live = try LiveService()
        defer { live.stop() }
        let layer = #"{"units": 1, "activation": "relu"}"#
        let many = #"{"kind": "autoencoder", "input_dim": 8, "encoder": [\#(Array(repeating: layer, count: 100_000).joined(separator: ","))], "decoder": [{"units": 8, "activation": "sigmoid"}]}"#
        let answer = try HTTPClient.request(port: live.port, "POST", "/train-job", json: Self.job(architecture: many), timeout: 60)
        expectError(answer, 422, "model_too_large", mentions: ["100001 layers", "training.max_layers"])
        try Self.expectUnharmed(live)
    }

    @Test("a batch whose activations exceed the limit is refused naming training.max_batch_activations")
    func tooManyActivations() throws {
        let live = try LiveService(configure: { $0.training.maxBatchActivations = 1000 })
        defer { live.stop() }
        expectError(try live.post("/train-job", Self.job(training: #"{"batch_size": 100}"#)), 422, "batch_too_large",
                    mentions: ["training.max_batch_activations", "batch_size"])
        try Self.expectUnharmed(live)
    }

    @Test("duplicate keys in a job body are refused as on /encode (regression: first one won)")
    func duplicateKeys() throws {
        let live = try LiveService()
        defer { live.stop() }
        let body = #"{"model": "a", "model": "b", "architecture": \#(Self.architecture), "dataset": {"vectors": \#(Self.rows)}}"#
        expectError(try live.post("/train-job", body), 400, "malformed_request", mentions: ["model", "byte"])
        try Self.expectUnharmed(live)
    }

    @Test("bad JSON in a job body is named by byte offset or field (regression: only 'not a JSON document')",
          arguments: [
            (#"{"model": "m", "training": {"learning_rate": NaN}}"#, 400, ["training.learning_rate", "byte 45"]),
            (#"{"model": "m", "dataset": {"path": "a.csv"}, "training": {"learning_rate": 1e400}}"#, 422, ["training.learning_rate"]),
            (#"{"model": "m", "dataset": {"path": "a.csv"}, "training": {"seed": -1}}"#, 422, ["training.seed"]),
            (#"{"model": "m", "dataset": {"path": "a.csv", "format": null}}"#, 422, ["dataset.format", "null"]),
            (#"{"model": "m", "dataset": {"path": "a.csv"}, "training": {"epochs": null}}"#, 422, ["training.epochs", "null"]),
            (#"{"model": "m", "architecture": {"kind": "autoencoder", "input_dim": 8, "encoder": [], "decoder": [{"units": 8, "activation": "sigmoid", "unitz": 1}]}}"#,
             422, ["architecture.decoder[0].unitz", "units", "activation"]),
          ])
    func namedErrors(body: String, status: Int, mentions: [String]) throws {
        let live = try LiveService()
        defer { live.stop() }
        expectError(try live.post("/train-job", body), status, mentions: mentions)
        try Self.expectUnharmed(live)
    }

    @Test("invalid UTF-8 in a job body is refused naming the byte offset")
    func invalidUTF8() throws {
        let live = try LiveService()
        defer { live.stop() }
        let body = Array(#"{"model": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        let answer = try live.request("POST", "/train-job", body: body)
        expectError(answer, 400, "malformed_request", mentions: ["model", "byte 10", "UTF-8"])
    }

    @Test("inline datasets that cannot train are refused at submit (regression: 202, then a failed job)", arguments: [
        (#"{"vectors": []}"#, "dataset.vectors"),
        (#"{"vectors": [[1,2,3,4,5,6,7,8],[1,2]]}"#, "dataset.vectors[1]"),
        (#"{"vectors": [[1,2,3]]}"#, "input_dim is 8"),
        (#"{"vectors": [[1,2,3,4,5,6,7,8]], "limit": 0}"#, "dataset.limit"),
        (#"{"vectors": [[1,2,3,4,5,6,7,8]], "limit": -5}"#, "dataset.limit"),
    ])
    func unusableInlineData(dataset: String, mention: String) throws {
        let live = try LiveService()
        defer { live.stop() }
        expectError(try live.post("/train-job", Self.job(dataset: dataset)), 422, mentions: [mention])
        try Self.expectUnharmed(live)
    }

    @Test("a 15 MiB client string comes back cut short (regression: a 15 MiB model name came back in a 15 MiB 404)")
    func longStringsAreClipped() throws {
        let live = try LiveService()
        defer { live.stop() }
        let name = String(repeating: "x", count: 15 << 20)
        let encode = try live.post("/encode", #"{"model": "\#(name)", "vector": [1,2,3,4,5,6,7,8]}"#)
        expectError(encode, 404, "unknown_model", mentions: ["xxxx…(15728640 bytes)"])
        #expect(encode.body.count < 4096, "a \(encode.body.count)-byte answer")
        let job = try live.post("/train-job", #"{"model": "\#(name)/", "architecture": \#(Self.architecture), "dataset": {"vectors": \#(Self.rows)}}"#)
        expectError(job, 422, "invalid_model_name", mentions: ["…(15728641 bytes)"])
        #expect(job.body.count < 4096, "a \(job.body.count)-byte answer")
        let key = try live.post("/encode", #"{"\#(name)": 1}"#)
        #expect(key.status == 422 && key.body.count < 4096, "\(key.status), \(key.body.count) bytes")
        try Self.expectUnharmed(live)
    }
}

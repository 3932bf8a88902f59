// Every error status of DESIGN §2 over a real socket, each as a JSON error whose message names
// the field, the index and what was expected.
import AETestSupport
import Foundation
import Testing

@Suite("Error responses (live)")
struct ErrorResponseTests {
    @Test("400: malformed JSON names what was found and where")
    func malformed() throws {
        let live = try LiveService()
        defer { live.stop() }
        expectError(try live.post("/encode", #"{"vectors": [[1, 2}"#), 400, "malformed_request", mentions: ["vectors[0]", "byte"])
        expectError(try live.post("/encode", "not json"), 400, "malformed_request")
        expectError(try live.post("/train-job", "{"), 400, "malformed_request")
        expectError(try live.post("/models/small/activate", #"{"version": 1"#), 400, "malformed_request")
        expectError(try live.post("/sample", #"{"count": 1,}"#), 400, "malformed_request")
    }

    @Test("a body the HTTP layer refuses (bad gzip, bad chunk size) answers in OIP's shape on /v2 and in the native shape elsewhere")
    func httpLayerRefusalShape() throws {
        let live = try LiveService()
        defer { live.stop() }
        let garbage = Array("not gzip at all".utf8)
        let native = try live.request("POST", "/encode", headers: [("Content-Encoding", "gzip")], body: garbage)
        #expect(native.status == 400)
        #expect(try native.json()["error"]?["code"]?.string != nil)
        let oip = try live.request("POST", "/v2/models/small/infer", headers: [("Content-Encoding", "gzip")], body: garbage)
        #expect(oip.status == 400)
        #expect(try oip.json()["error"]?.string != nil, "OIP errors are {\"error\": \"message\"}: \(oip.text)")
        // Refused while reading the body after the head: a malformed chunk size.
        let client = try HTTPConnection(port: live.port)
        try client.send(Array("POST /v2/models/small/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8))
        let badChunk = try client.readResponse()
        #expect(badChunk.status == 400)
        #expect(try badChunk.json()["error"]?.string != nil, "OIP errors are {\"error\": \"message\"}: \(badChunk.text)")
    }

    @Test("404: unknown route, model, job; 405 lists the allowed methods in Allow")
    func notFoundAndMethod() throws {
        let live = try LiveService()
        defer { live.stop() }
        expectError(try live.get("/nope"), 404, "not_found", mentions: ["/nope"])
        expectError(try live.get("/models/ghost"), 404, "unknown_model", mentions: ["'ghost'", "small"])
        expectError(try live.get("/train-job/job-ghost"), 404, "unknown_job", mentions: ["job-ghost"])
        expectError(try live.get("/train-job/job-ghost/events"), 404, "unknown_job")
        expectError(try live.request("DELETE", "/train-job/job-ghost"), 404, "unknown_job")

        let get = try live.get("/encode")
        expectError(get, 405, "method_not_allowed", mentions: ["GET"])
        #expect(get.header("Allow") == "POST")
        let delete = try live.request("DELETE", "/models")
        expectError(delete, 405)
        #expect(delete.header("Allow")?.contains("GET") == true)
        let put = try live.request("PUT", "/train-job/abc")
        expectError(put, 405)
        #expect(Set((put.header("Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                .isSuperset(of: ["GET", "DELETE"]))
    }

    @Test("413: a body over limits.body_bytes is refused as a JSON error")
    func tooLarge() throws {
        let live = try LiveService(configure: { $0.limits.bodyBytes = 4096 })
        defer { live.stop() }
        let rows = Array(repeating: Array(repeating: Float(0.5), count: 8), count: 200)
        expectError(try live.post("/encode", #"{"vectors": \#(jsonRows(rows))}"#), 413)
        // The server is still there for the next client.
        #expect(try live.get("/healthz").status == 200)
    }

    @Test("415: a body that is not JSON by its Content-Type")
    func mediaType() throws {
        let live = try LiveService()
        defer { live.stop() }
        let response = try live.request("POST", "/encode", headers: [("Content-Type", "text/csv")], body: Array("1,2,3".utf8))
        expectError(response, 415, "unsupported_media_type", mentions: ["text/csv", "application/json"])
        let job = try live.request("POST", "/train-job", headers: [("Content-Type", "application/xml")], body: Array("<a/>".utf8))
        expectError(job, 415)
    }

    @Test("422: wrong dimensions name the field, the index, the model and what it expects")
    func dimensions() throws {
        let live = try LiveService()
        defer { live.stop() }
        let seven = Array(repeating: Float(0.5), count: 7)
        let eight = Array(repeating: Float(0.5), count: 8)
        expectError(try live.post("/encode", #"{"vectors": \#(jsonRows([seven, seven]))}"#), 422, "dimension_mismatch",
                    mentions: ["vectors[0] has 7 values", "'small' v1", "expects 8"])
        expectError(try live.post("/reconstruct", #"{"vector": [1, 2]}"#), 422, "dimension_mismatch",
                    mentions: ["vector has 2 values", "expects 8"])
        expectError(try live.post("/decode", #"{"latents": [[1, 2]]}"#), 422, "dimension_mismatch",
                    mentions: ["latents[0] has 2 values", "expects 3"])
        // A ragged batch names the row that differs.
        expectError(try live.post("/encode", #"{"vectors": \#(jsonRows([eight, eight, eight, seven]))}"#), 422,
                    "dimension_mismatch", mentions: ["vectors[3]", "8"])
        expectError(try live.post("/encode", #"{"vectors": []}"#), 422, "empty_batch", mentions: ["vectors"])
    }

    @Test("422: values outside Float's range, wrong types and unknown or missing fields name the field")
    func contract() throws {
        let live = try LiveService()
        defer { live.stop() }
        expectError(try live.post("/encode", #"{"vectors": [[1, 2, 3, 1e39, 5, 6, 7, 8]]}"#), 422, "non_finite",
                    mentions: ["vectors[0][3]", "1e39"])
        expectError(try live.post("/encode", #"{"vectors": [[1, 2, 3, "x", 5, 6, 7, 8]]}"#), 422, mentions: ["vectors[0][3]", "number"])
        expectError(try live.post("/encode", #"{"vectors": [[1, 2, 3, 4, 5, 6, 7, 8]], "vektor": 1}"#), 422, "unknown_field",
                    mentions: ["'vektor'", "vectors"])
        expectError(try live.post("/encode", #"{"model": "small"}"#), 422, "missing_field", mentions: ["vectors", "vector"])
        // Both forms at once were read as whichever came last (found by schemathesis).
        expectError(try live.post("/reconstruct", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8], "vectors": [[0, 0, 0, 0, 0, 0, 0, 0]]}"#),
                    422, "conflicting_fields", mentions: ["vectors", "vector", "not both"])
        expectError(try live.post("/decode", #"{"latents": [[0, 0, 0]], "latent": [1, 2, 3]}"#), 422, "conflicting_fields")
        expectError(try live.post("/models/small/activate", #"{"version": 1, "force": true}"#), 422, "unknown_field",
                    mentions: ["'force'", "version"])
        expectError(try live.post("/sample", #"{"count": 1, "temperature": 2}"#), 422, "unknown_field", mentions: ["'temperature'"])
        expectError(try live.post("/train-job", #"{"model": "m", "dataset": {"vectors": [[1]]}, "trainning": {}}"#), 422,
                    "unknown_field", mentions: ["'trainning'", "training"])
        expectError(try live.post("/train-job", #"{"model": "m", "dataset": {"vectors": [[1]]}, "training": {"epoch": 2}}"#), 422,
                    "unknown_field", mentions: ["'training.epoch'", "epochs"])
    }

    @Test("422: a batch over the configured limit names the limit and the setting (default 1024 vectors)")
    func batchLimit() throws {
        let live = try LiveService()
        defer { live.stop() }
        let row = Array(repeating: Float(0.25), count: 8)
        let ok = try live.post("/encode", #"{"vectors": \#(jsonRows(Array(repeating: row, count: 1024)))}"#)
        #expect(ok.status == 200)
        expectError(try live.post("/encode", #"{"vectors": \#(jsonRows(Array(repeating: row, count: 1025)))}"#), 422,
                    "batch_too_large", mentions: ["1025", "1024", "limits.batch_vectors"])
    }

    @Test("503: /readyz and /v2/health/ready with no model loaded and while draining; a job submitted while draining is refused")
    func unavailable() throws {
        let empty = try LiveService(models: { _ in })
        defer { empty.stop() }
        expectError(try empty.get("/readyz"), 503, "unavailable", mentions: ["no model"])
        #expect(try empty.get("/v2/health/ready").status == 503)
        #expect(try empty.get("/healthz").status == 200)
        expectError(try empty.post("/encode", #"{"vectors": [[1]]}"#), 404, "unknown_model")

        let live = try LiveService()
        defer { live.stop() }
        #expect(try live.get("/readyz").status == 200)
        #expect(try live.get("/v2/health/ready").status == 200)
        live.service.beginDrain()
        expectError(try live.get("/readyz"), 503, "unavailable", mentions: ["draining"])
        let oipReady = try live.get("/v2/health/ready")
        #expect(oipReady.status == 503 && oipReady.text.contains("draining"), "\(oipReady.status) \(oipReady.text)")
        #expect(try live.get("/healthz").status == 200, "liveness holds while draining")
        expectError(try live.post("/train-job", JobTests.body()), 503, "unavailable")
    }
}

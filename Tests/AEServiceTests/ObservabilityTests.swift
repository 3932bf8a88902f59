// Request logs, X-Request-Id, /metrics (read by the Prometheus client's own parser), /healthz
// and /openapi.json over a real socket.
import AETestSupport
import Foundation
import Testing

@Suite("Observability (live)")
struct ObservabilityTests {
    @Test("X-Request-Id is echoed when sent and generated when not; each request logs one line with method, path, status, bytes, duration and id")
    func requestLog() throws {
        let live = try LiveService()
        defer { live.stop() }
        let given = try live.post("/encode", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#, headers: [("X-Request-Id", "trace-abc-123")])
        #expect(given.header("X-Request-Id") == "trace-abc-123")
        let generated = try live.get("/healthz")
        let id = try #require(generated.header("X-Request-Id"))
        #expect(!id.isEmpty)
        let other = try live.get("/healthz")
        #expect(other.header("X-Request-Id") != id, "each request gets its own id")
        let missing = try live.get("/no-such-route", headers: [("X-Request-Id", "trace-404")])
        #expect(missing.status == 404)

        #expect(waitUntil(timeout: 5) { live.logs.events.filter { $0.message == "request" }.count >= 4 })
        let lines = live.logs.events.filter { $0.message == "request" }
        let encode = lines.filter { $0.metadata["request_id"] == "trace-abc-123" }
        #expect(encode.count == 1, "one line per request")
        let line = try #require(encode.first)
        #expect(line.metadata["method"] == "POST" && line.metadata["path"] == "/encode" && line.metadata["status"] == "200")
        #expect(line.metadata["bytes"] == String(given.body.count))
        #expect(Double(line.metadata["duration_ms"] ?? "") != nil)
        #expect(lines.filter { $0.metadata["request_id"] == id }.count == 1)
        let notFound = try #require(lines.first { $0.metadata["request_id"] == "trace-404" })
        #expect(notFound.metadata["status"] == "404" && notFound.metadata["path"] == "/no-such-route")
    }

    @Test("/metrics is valid Prometheus text: requests and latency by route and status, vectors, jobs by state, training speed and loss, served versions")
    func metrics() throws {
        let python = try #require(TestEnvironment.python, "no Python: run scripts/bootstrap.sh or set AESERVE_PYTHON")
        let live = try LiveService()
        defer { live.stop() }
        _ = try live.post("/encode", #"{"vectors": \#(jsonRows(smallVectors(count: 5)))}"#)
        _ = try live.post("/reconstruct", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#)
        _ = try live.post("/encode", #"{"vector": [1, 2]}"#)
        let id = try JobTests.submit(live, JobTests.body(epochs: 2))
        try JobTests.waitForJob(live, id) { $0["state"]?.string == "succeeded" }

        let response = try live.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
        let file = live.folder.appendingPathComponent("metrics.txt")
        try response.body.withUnsafeBytes { try Data($0).write(to: file) }
        // Parse with prometheus_client and print every sample as one JSON object per line.
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    print(json.dumps({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value}))
            """
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "prometheus_client refused /metrics: \(String(decoding: errors, as: UTF8.self))\n\(response.text)")
        let samples = try String(decoding: output, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(String($0)) }

        func find(_ name: String, _ labels: [String: String] = [:]) -> [JSONValue] {
            samples.filter { sample in
                sample["name"]?.string == name && labels.allSatisfy { sample["labels"]?[$0.key]?.string == $0.value }
            }
        }
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { find(name, labels).first?["value"]?.double }

        #expect(value("aeserve_http_requests_total", ["route": "/encode", "method": "POST", "status": "200"]) == 1)
        #expect(value("aeserve_http_requests_total", ["route": "/encode", "status": "422"]) == 1)
        #expect(value("aeserve_http_requests_total", ["route": "/reconstruct", "status": "200"]) == 1)
        #expect(!find("aeserve_http_request_duration_seconds_bucket", ["route": "/encode", "status": "200", "le": "+Inf"]).isEmpty,
                "latency histogram by route and status")
        #expect(value("aeserve_http_request_duration_seconds_count", ["route": "/encode", "status": "422"]) == 1)
        #expect(samples.contains { $0["family"]?.string == "aeserve_http_request_duration_seconds" && $0["type"]?.string == "histogram" })
        #expect(value("aeserve_vectors_total", ["operation": "encode"]) == 5)
        #expect(value("aeserve_vectors_total", ["operation": "reconstruct"]) == 1)
        #expect(value("aeserve_training_jobs", ["state": "succeeded"]) == 1)
        #expect(value("aeserve_training_jobs", ["state": "running"]) == 0)
        #expect((value("aeserve_training_samples_per_second", ["model": "small"]) ?? 0) > 0)
        #expect(value("aeserve_training_loss", ["model": "small", "split": "train"]) != nil)
        #expect(value("aeserve_training_loss", ["model": "small", "split": "validation"]) != nil)
        #expect(value("aeserve_model_served_version", ["model": "small"]) == 2)
    }

    @Test("the router's own answers (404, 405) echo X-Request-Id and are counted in /metrics")
    func routerAnswers() throws {
        let live = try LiveService()
        defer { live.stop() }
        let missing = try live.get("/nope", headers: [("X-Request-Id", "trace-404")])
        let wrongMethod = try live.get("/encode", headers: [("X-Request-Id", "trace-405")])
        #expect(missing.status == 404 && wrongMethod.status == 405)
        let odd = try live.request("BREW", "/coffee")
        #expect(odd.status == 404)
        let metrics = try live.get("/metrics").text
        #expect(missing.header("X-Request-Id") == "trace-404")
        #expect(wrongMethod.header("X-Request-Id") == "trace-405")
        let counted = metrics.split(separator: "\n").filter { $0.hasPrefix("aeserve_http_requests_total{") }
        func count(_ labels: [String]) -> Bool { counted.contains { line in labels.allSatisfy { line.contains($0) } } }
        #expect(count(["route=\"unmatched\"", "method=\"GET\"", "status=\"404\""]))
        #expect(count(["route=\"unmatched\"", "method=\"GET\"", "status=\"405\""]))
        // An unknown method gets one label value, so random methods cannot grow the metrics.
        #expect(count(["route=\"unmatched\"", "method=\"other\"", "status=\"404\""]))
        #expect(!metrics.contains("BREW"))
    }

    @Test("/healthz answers ok; /openapi.json is the repository's OpenAPI 3.1 document")
    func operational() throws {
        let live = try LiveService()
        defer { live.stop() }
        let health = try live.get("/healthz")
        let healthStatus = try health.json()["status"]?.string
        #expect(health.status == 200 && healthStatus == "ok")
        let ready = try live.get("/readyz")
        let readyStatus = try ready.json()["status"]?.string
        #expect(ready.status == 200 && readyStatus == "ready")
        let document = try live.get("/openapi.json")
        #expect(document.status == 200 && document.header("Content-Type") == "application/json")
        #expect(try document.json()["openapi"]?.string?.hasPrefix("3.1") == true)
        let file = try Data(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("openapi.json"))
        #expect(try document.json() == JSONValue.parse(Array(file)), "the served document is openapi.json (re-run scripts/embed-openapi.sh)")
        #expect(try live.request("HEAD", "/healthz").status == 200)
    }
}

// The /v2 routes in process (metadata, infer, OIP error bodies, batching through the native
// routes) and live: the real tritonclient[http] against a server on a loopback port.
@testable import AEService
import AEMath
import AEModel
import AETestSupport
import Foundation
import HTTPServer
import Testing

/// A service over a temporary models root holding `small` (8 → 3, calibrated) and `small-vae`.
func makeOIPService(batching: Bool) throws -> (Service, URL) {
    let root = try TestEnvironment.temporaryDirectory("aeserve-oip")
    try writeCalibratedModel(root: root.appendingPathComponent("models"), name: "small", version: 1, seed: 21)
    try writeModel(root: root.appendingPathComponent("models"), name: "small-vae", version: 1, seed: 22, architecture: Architecture(
        kind: .variational, inputDimension: 8, encoder: [.init(units: 6, activation: .relu)],
        decoder: [.init(units: 6, activation: .relu), .init(units: 8, activation: .sigmoid)], latentDimension: 3))
    var c = ServiceConfiguration()
    c.models.root = root.appendingPathComponent("models").path
    c.models.defaultModel = "small"
    c.models.pollIntervalSeconds = 0
    c.stateFolder = root.appendingPathComponent("state").path
    c.training.enabled = false
    c.server.host = "127.0.0.1"
    c.server.port = 0
    c.server.drainTimeoutSeconds = 2
    c.dynamicBatching = DynamicBatchingSettings(enabled: batching, maxBatch: 32, maxDelayMicroseconds: 1000)
    let service = try Service(configuration: c)
    try service.start()
    return (service, root)
}

private func json(_ response: HTTPResponse) throws -> [String: Any] {
    guard case .bytes(let bytes) = response.body else { throw APIError.internalError("streamed") }
    return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

struct OpenInferenceEndpointTests {
    /// Server and model metadata state every tensor truthfully; errors are {"error": "…"}.
    @Test func metadataAndErrors() async throws {
        let (service, root) = try makeOIPService(batching: false)
        defer { try? FileManager.default.removeItem(at: root) }
        let router = service.makeRouter()
        let server = try json(await router.respond(to: HTTPRequest(method: .get, target: "/v2")))
        #expect(server["name"] as? String == "aeserve")
        #expect(server["extensions"] as? [String] == ["binary_tensor_data"])
        let vae = try json(await router.respond(to: HTTPRequest(method: .get, target: "/v2/models/small%2Dvae/versions/1")))
        #expect(vae["name"] as? String == "small-vae")
        let outputs = try #require(vae["outputs"] as? [[String: Any]])
        // Not calibrated: an anomaly score but no flags.
        #expect(outputs.map { $0["name"] as? String } == ["latent", "log_variance", "reconstruction", "reconstruction_error", "anomaly_score"])
        #expect(outputs.map { $0["shape"] as? [Int] } == [[-1, 3], [-1, 3], [-1, 8], [-1], [-1]])
        #expect(outputs.allSatisfy { $0["datatype"] as? String == "FP32" })
        let small = try json(await router.respond(to: HTTPRequest(method: .get, target: "/v2/models/small")))
        let smallOutputs = try #require(small["outputs"] as? [[String: Any]])
        #expect(smallOutputs.map { $0["name"] as? String } == ["latent", "reconstruction", "reconstruction_error", "anomaly_score", "is_anomaly"])
        #expect(smallOutputs.map { $0["datatype"] as? String } == ["FP32", "FP32", "FP32", "FP32", "BOOL"])
        let decoder = try json(await router.respond(to: HTTPRequest(method: .get, target: "/v2/models/small.decoder")))
        #expect((decoder["inputs"] as? [[String: Any]])?.first?["shape"] as? [Int] == [-1, 3])
        for (target, status, fragment) in [("/v2/models/nope", 404, "unknown model 'nope'"),
                                           ("/v2/models/small/versions/3", 404, "has no version 3"),
                                           ("/v2/models/small/versions/x/ready", 400, "not a positive integer"),
                                           ("/v2/elsewhere", 404, "no route for /v2/elsewhere")] {
            let response = await router.respond(to: HTTPRequest(method: .get, target: target))
            #expect(response.status.code == status, "\(target)")
            #expect((try json(response)["error"] as? String)?.contains(fragment) == true, "\(target)")
        }
        let wrongMethod = await router.respond(to: HTTPRequest(method: .get, target: "/v2/models/small/infer"))
        #expect(wrongMethod.status.code == 405)
        #expect(try json(wrongMethod)["error"] is String)
    }

    /// A binary infer equals the native /reconstruct answer, and batching counts on /metrics.
    @Test func binaryInferMatchesNativeReconstruct() async throws {
        let (service, root) = try makeOIPService(batching: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let router = service.makeRouter()
        let vectors = smallVectors(count: 2, seed: 4)
        let header = #"{"inputs":[{"name":"input","shape":[2,8],"datatype":"FP32","parameters":{"binary_data_size":64}}],"outputs":[{"name":"reconstruction","parameters":{"binary_data":true}},{"name":"reconstruction_error"}]}"#
        let (body, length) = binaryBody(header, floats: vectors.flatMap { $0 })
        let response = await router.respond(to: HTTPRequest(method: .post, target: "/v2/models/small/infer",
                                                             headers: ["Inference-Header-Content-Length": length], body: body))
        #expect(response.status.code == 200)
        guard case .bytes(let bytes) = response.body else { return }
        let jsonLength = try #require(response.headers["Inference-Header-Content-Length"].flatMap { Int($0) })
        let reconstruction = stride(from: jsonLength, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
        let native = try json(await router.respond(to: HTTPRequest(
            method: .post, target: "/reconstruct", headers: ["Content-Type": "application/json"],
            body: Array(try JSONSerialization.data(withJSONObject: ["vectors": vectors])))))
        let expected = try #require(native["reconstructions"] as? [[Double]]).flatMap { $0.map(Float.init) }
        #expect(reconstruction == expected)
        let header2 = try #require(try JSONSerialization.jsonObject(with: Data(bytes[..<jsonLength])) as? [String: Any])
        let errors = try #require((header2["outputs"] as? [[String: Any]])?.last?["data"] as? [Double]).map(Float.init)
        #expect(errors == (native["errors"] as? [Double])?.map(Float.init))
        let metrics = String(decoding: service.metrics.exposition(), as: UTF8.self)
        #expect(metrics.contains("aeserve_inference_batch_rows_count"))
    }

    /// anomaly_score is /score's score and is_anomaly its flag, as raw bytes (BOOL: one byte
    /// each) or JSON; a version without a calibration has no flags, and says how to get them.
    @Test func anomalyOutputs() async throws {
        let (service, root) = try makeOIPService(batching: false)
        defer { try? FileManager.default.removeItem(at: root) }
        let router = service.makeRouter()
        var vectors = smallVectors(count: 3, seed: 6)
        vectors[1] = [Float](repeating: 4, count: 8)
        let header = #"{"inputs":[{"name":"input","shape":[3,8],"datatype":"FP32","parameters":{"binary_data_size":96}}],"outputs":[{"name":"anomaly_score","parameters":{"binary_data":true}},{"name":"is_anomaly","parameters":{"binary_data":true}}]}"#
        let (body, length) = binaryBody(header, floats: vectors.flatMap { $0 })
        let response = await router.respond(to: HTTPRequest(method: .post, target: "/v2/models/small/infer",
                                                             headers: ["Inference-Header-Content-Length": length], body: body))
        #expect(response.status.code == 200)
        guard case .bytes(let bytes) = response.body else { return }
        let jsonLength = try #require(response.headers["Inference-Header-Content-Length"].flatMap { Int($0) })
        let head = try #require(try JSONSerialization.jsonObject(with: Data(bytes[..<jsonLength])) as? [String: Any])
        let described = try #require(head["outputs"] as? [[String: Any]])
        #expect(described.map { $0["datatype"] as? String } == ["FP32", "BOOL"])
        #expect(described.map { ($0["parameters"] as? [String: Any])?["binary_data_size"] as? Int } == [12, 3])
        #expect(bytes.count == jsonLength + 15)
        let scores = stride(from: jsonLength, to: jsonLength + 12, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
        let flags = Array(bytes[(jsonLength + 12)...])
        let native = try json(await router.respond(to: HTTPRequest(
            method: .post, target: "/score", headers: ["Content-Type": "application/json"],
            body: Array(try JSONSerialization.data(withJSONObject: ["vectors": vectors])))))
        #expect(scores == (native["scores"] as? [Double])?.map(Float.init))
        #expect(flags == (native["is_anomaly"] as? [Bool])?.map { $0 ? 1 : 0 })
        #expect(flags[1] == 1)

        // JSON data, and a threshold given as a parameter.
        let jsonBody = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "input", "shape": [3, 8], "datatype": "FP32", "data": vectors.flatMap { $0 }]],
            "outputs": [["name": "is_anomaly"]], "parameters": ["anomaly_threshold": 0]])
        let flagged = try json(await router.respond(to: HTTPRequest(method: .post, target: "/v2/models/small/infer", body: Array(jsonBody))))
        let output = try #require((flagged["outputs"] as? [[String: Any]])?.first)
        #expect(output["datatype"] as? String == "BOOL" && output["data"] as? [Bool] == [true, true, true])

        let unflagged = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "input", "shape": [1, 8], "datatype": "FP32", "data": vectors[0]]], "outputs": [["name": "is_anomaly"]]])
        let refused = await router.respond(to: HTTPRequest(method: .post, target: "/v2/models/small-vae/infer", body: Array(unflagged)))
        #expect(refused.status.code == 400)
        #expect((try json(refused)["error"] as? String)?.contains("POST /models/small-vae/versions/1/calibrate") == true)
        let badQuantile = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "input", "shape": [1, 8], "datatype": "FP32", "data": vectors[0]]],
            "outputs": [["name": "is_anomaly"]], "parameters": ["anomaly_quantile": 0.1]])
        let quantile = await router.respond(to: HTTPRequest(method: .post, target: "/v2/models/small/infer", body: Array(badQuantile)))
        #expect(quantile.status.code == 400)
        #expect((try json(quantile)["error"] as? String)?.contains("anomaly_quantile") == true)
    }

    /// tritonclient[http] 2.73.0 against a live server with batching on: every call of the
    /// issue (scripts/oip_client.py check), results equal to the native routes' answers.
    @Test(.timeLimit(.minutes(2))) func tritonClientAgainstLiveServer() async throws {
        let (service, root) = try makeOIPService(batching: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let runner = ServiceRunner(service: service)
        let port = try runner.server.start()
        defer { runner.stop() }
        let python = try #require(TestEnvironment.python, "no Python (AESERVE_PYTHON or .venv); run scripts/bootstrap.sh")
        let process = Process()
        process.executableURL = python
        process.arguments = [TestEnvironment.packageRoot.appendingPathComponent("scripts/oip_client.py").path,
                             "check", "127.0.0.1:\(port)", "small", "small-vae"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes off this thread so that neither can fill up and stall the client.
        async let stdout = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        async let stderr = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        let (out, err) = await (stdout, stderr)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "oip_client.py check failed: \(String(decoding: err, as: UTF8.self))")
        let summary = try JSONSerialization.jsonObject(with: out) as? [String: Any]
        #expect((summary?["checks"] as? Int ?? 0) > 100, "\(String(decoding: out, as: UTF8.self))")
    }
}

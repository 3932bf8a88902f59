// A finite input so large that it overflows Float32 inside the model is the request's fault:
// the answer is a 422 that says so, never a 500.
import AEService
import AETestSupport
import Foundation
import HTTPServer
import Testing

@Suite("Non-finite model output")
struct NonFiniteOutputTests {
    @Test("huge finite inputs get 422 non_finite_output from /encode, /decode and /reconstruct")
    func hugeInputs() async throws {
        let root = try TestEnvironment.temporaryDirectory("nonfinite")
        defer { try? FileManager.default.removeItem(at: root) }
        try writeModel(root: root.appendingPathComponent("models"), name: "small", version: 1, seed: 1)
        var configuration = ServiceConfiguration()
        configuration.models.root = root.appendingPathComponent("models").path
        configuration.models.defaultModel = "small"
        configuration.models.pollIntervalSeconds = 0
        configuration.stateFolder = root.appendingPathComponent("state").path
        configuration.training.enabled = false
        let service = try Service(configuration: configuration)
        try service.start()
        defer { service.stop() }
        let router = service.makeRouter()

        let huge = Array(repeating: "3e38", count: 8).joined(separator: ",")
        let hugeLatent = Array(repeating: "3e38", count: 3).joined(separator: ",")
        for (path, body) in [("/reconstruct", #"{"vector":[\#(huge)]}"#), ("/reconstruct", #"{"vectors":[[\#(huge)]]}"#),
                             ("/encode", #"{"vectors":[[\#(huge)]]}"#), ("/decode", #"{"latent":[\#(hugeLatent)]}"#)] {
            let response = await router.respond(to: HTTPRequest(method: .post, target: path, body: Array(body.utf8)))
            guard case .bytes(let bytes) = response.body else { Issue.record("\(path): not a byte body"); continue }
            let text = String(decoding: bytes, as: UTF8.self)
            // Some of these stay finite (sigmoid saturates); none may be a 500.
            #expect(response.status.code == 200 || response.status.code == 422, "\(path) \(body.prefix(20)): \(text)")
            if response.status.code == 422 { #expect(text.contains("non_finite_output"), "\(text)") }
        }
        let response = await router.respond(to: HTTPRequest(method: .post, target: "/reconstruct",
                                                            body: Array(#"{"vector":[\#(huge)]}"#.utf8)))
        #expect(response.status.code == 422)
    }
}

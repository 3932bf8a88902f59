// GET / and GET /console/{asset}: the web console, from files embedded in the binary, plus
// /console/server.json, the facts of this server the console needs (presets, whether actions
// need a key), made once when the router is built.
import AEModel
import Foundation
import HTTPServer

extension Service {
    func addConsoleRoutes(to router: inout Router) {
        let facts = ConsoleAsset(contentType: "application/json", bytes: consoleFacts())
        route(&router, .get, "/") { request in
            guard let page = ConsoleAssets.all["index.html"] else { throw APIError.internalError("the console's index.html is not embedded") }
            return page.response(to: request)
        }
        route(&router, .get, "/console/{asset}") { request in
            let name = request.parameter("asset") ?? ""
            if name == "server.json" { return facts.response(to: request) }
            guard let asset = ConsoleAssets.all[name] else {
                throw APIError.notFound("not_found", "the console has no file '\(name)'")
            }
            return asset.response(to: request)
        }
    }

    /// `{"presets": {name: architecture}, "api_key_required", "training_enabled", "limits": {…}}`.
    private func consoleFacts() -> [UInt8] {
        struct Limits: Encodable {
            var batchVectors: Int, maxEpochs: Int
            enum CodingKeys: String, CodingKey { case batchVectors = "batch_vectors", maxEpochs = "max_epochs" }
        }
        struct Facts: Encodable {
            var presets: [String: Architecture]
            var apiKeyRequired: Bool, trainingEnabled: Bool
            var limits: Limits
            enum CodingKeys: String, CodingKey {
                case presets, limits, apiKeyRequired = "api_key_required", trainingEnabled = "training_enabled"
            }
        }
        var presets: [String: Architecture] = [:]
        for name in Architecture.presetNames { presets[name] = Architecture.preset(named: name) }
        let facts = Facts(presets: presets, apiKeyRequired: !configuration.apiKeys.isEmpty,
                          trainingEnabled: configuration.training.enabled,
                          limits: Limits(batchVectors: configuration.limits.batchVectors, maxEpochs: configuration.training.maxEpochs))
        return (try? Self.jobEncoder.encode(facts)).map(Array.init) ?? Array("{}".utf8)
    }
}

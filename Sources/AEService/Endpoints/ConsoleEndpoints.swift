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
        var presets: [String: Any] = [:]
        for name in Architecture.presetNames {
            if let preset = Architecture.preset(named: name) { presets[name] = architectureObject(preset) }
        }
        let facts: [String: Any] = [
            "presets": presets,
            "api_key_required": !configuration.apiKeys.isEmpty,
            "training_enabled": configuration.training.enabled,
            "limits": ["batch_vectors": configuration.limits.batchVectors, "max_epochs": configuration.training.maxEpochs],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: facts, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data)
    }
}

// GET /models, GET /models/{name}, POST /models/{name}/activate.
import AECheckpoint
import AEJSON
import AEModel
import Foundation
import HTTPServer

extension Service {
    func addModelRoutes(to router: inout Router) {
        route(&router, .get, "/models") { [self] _ in
            let models = registry.snapshot().map { entry in
                summary(entry.active, versions: entry.versions.map(\.version), pinned: entry.pinned)
            }
            return try foundationJSON(["models": models, "default": configuration.models.defaultModel])
        }
        route(&router, .get, "/models/{name}") { [self] request in
            let name = request.parameter("name") ?? ""
            guard let entry = registry.snapshot().first(where: { $0.name == name }) else {
                throw APIError.notFound("unknown_model", (RegistryError.unknownModel(name: clipped(name), available: registry.snapshot().map(\.name))).description)
            }
            var object = summary(entry.active, versions: entry.versions.map(\.version), pinned: entry.pinned)
            object["version_details"] = entry.versions.map { served in
                ["version": served.version, "sha256": served.sha256, "bytes": served.byteCount,
                 "loaded_at": ISO8601DateFormatter().string(from: served.loadedAt),
                 "architecture": architectureObject(served.architecture),
                 "training": trainingFacts(served.metadata)] as [String: Any]
            }
            return try foundationJSON(object)
        }
        route(&router, .post, "/models/{name}/activate") { [self] request in
            try authorize(request)
            try requireJSON(request)
            let name = request.parameter("name") ?? ""
            let version = try parseActivation(request.body)
            let served = try activate(name, version)
            metrics.updateServedModels(registry)
            logger.notice("model activated by request", metadata: ["model": "\(name)", "version": "\(version)", "request_id": "\(request.id)"])
            return try foundationJSON(summary(served, versions: registry.snapshot().first { $0.name == name }?.versions.map(\.version) ?? [],
                                              pinned: version))
        }
    }

    private func activate(_ name: String, _ version: Int) throws(APIError) -> ServedModel {
        do {
            return try registry.activate(name: name, version: version)
        } catch {
            switch error {
            case .unknownModel: throw APIError.notFound("unknown_model", error.description)
            case .unknownVersion: throw APIError.notFound("unknown_version", error.description)
            }
        }
    }

    private func parseActivation(_ body: [UInt8]) throws(APIError) -> Int {
        let version: Int? = try scanJSON(body) { scanner in
            var version: Int?
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                guard key == "version" else {
                    throw APIError.invalid("unknown_field", "unknown field '\(clipped(key))'; this endpoint takes version")
                }
                version = try scanner.readInteger()
            }
            return version
        }
        guard let version else { throw APIError.invalid("missing_field", "the body needs \"version\" (a positive integer)") }
        guard version >= 1 else { throw APIError.invalid("invalid_field", "version must be a positive integer, got \(version)") }
        return version
    }

    /// One model as /models shows it.
    func summary(_ served: ServedModel, versions: [Int], pinned: Int?) -> [String: Any] {
        let a = served.architecture
        return [
            "name": served.name, "version": served.version, "versions": versions, "activated": pinned != nil,
            "kind": a.kind.rawValue, "input_dim": a.inputDimension, "latent_dim": a.latentDimension,
            "parameters": served.model.parameterCount, "sha256": served.sha256,
            "architecture": architectureObject(a), "training": trainingFacts(served.metadata),
        ]
    }

    /// An architecture as the JSON object the API shows.
    func architectureObject(_ architecture: Architecture) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(architecture.jsonText().utf8))) ?? [:]
    }

    /// The checkpoint's training facts, numbers as numbers.
    private func trainingFacts(_ metadata: CheckpointMetadata) -> [String: Any] {
        var facts: [String: Any] = [:]
        for (key, value) in metadata.dictionary where key != "architecture" && key != "format" {
            if let number = Double(value), number.isFinite, key != "dataset" {
                facts[key] = number == number.rounded() && abs(number) < 1e15 ? Int(number) as Any : number as Any
            } else {
                facts[key] = value
            }
        }
        return facts
    }
}

/// A JSON response from Foundation objects (for small, rarely hit bodies).
func foundationJSON(_ object: Any, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) throws -> HTTPResponse {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return jsonResponse(Array(data), status: status, headers: headers)
}

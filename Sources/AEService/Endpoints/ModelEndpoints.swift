// GET /models, GET /models/{name}, POST /models/{name}/activate.
import AECheckpoint
import AEJSON
import AEModel
import Foundation
import HTTPServer

extension Service {
    func addModelRoutes(to router: inout Router) {
        route(&router, .get, "/models") { [self] _ in
            try modelResponse(ModelList(models: registry.snapshot().map { ModelSummary($0) },
                                        defaultModel: configuration.models.defaultModel))
        }
        route(&router, .get, "/models/{name}") { [self] request in
            let name = request.parameter("name") ?? ""
            let snapshot = registry.snapshot()
            guard let entry = snapshot.first(where: { $0.name == name }) else {
                throw RegistryError.unknownModel(name: name, available: snapshot.map(\.name)).apiError
            }
            return try modelResponse(ModelSummary(entry, detailed: true))
        }
        route(&router, .post, "/models/{name}/activate") { [self] request in
            try authorize(request)
            try requireJSON(request)
            let name = request.parameter("name") ?? ""
            let version = try parseActivation(request.body)
            let served = try activate(name, version)
            metrics.updateServedModels(registry)
            logger.notice("model activated by request", metadata: ["model": "\(name)", "version": "\(version)", "request_id": "\(request.id)"])
            let versions = registry.snapshot().first { $0.name == name }?.versions.map(\.version) ?? []
            return try modelResponse(ModelSummary(served, versions: versions, activated: true))
        }
    }

    /// A /models answer through the API's one encoder (sorted keys, ISO 8601 dates).
    private func modelResponse(_ value: some Encodable) throws -> HTTPResponse {
        jsonResponse(Array(try Self.jobEncoder.encode(value)))
    }

    private func activate(_ name: String, _ version: Int) throws(APIError) -> ServedModel {
        do {
            return try registry.activate(name: name, version: version)
        } catch {
            throw error.apiError
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
        if let problem = ModelVersion.problem(with: version) { throw APIError.invalid("invalid_field", "version: \(problem)") }
        return version
    }
}

extension RegistryError {
    /// The API's answer to this error: 404 for what does not exist, 503 for what cannot be
    /// read or stored now.
    var apiError: APIError {
        switch self {
        case .unknownModel: APIError.notFound("unknown_model", description)
        case .unknownVersion: APIError.notFound("unknown_version", description)
        case .unavailable: APIError(503, "version_unavailable", description)
        case .notStored: APIError(503, "activation_not_stored", description)
        }
    }
}

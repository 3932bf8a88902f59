// GET /healthz, /readyz, /metrics and /openapi.json.
import Foundation
import HTTPServer

extension Service {
    func addOperationalRoutes(to router: inout Router) {
        route(&router, .get, "/healthz") { _ in
            jsonResponse(Array(#"{"status":"ok"}"#.utf8))
        }
        route(&router, .get, "/readyz") { [self] _ in
            if isDraining {
                return APIError.unavailable("draining: the server is shutting down").response()
            }
            guard registry.hasModels else {
                return APIError.unavailable("no model is loaded (\(registry.location))").response()
            }
            return jsonResponse(Array(#"{"status":"ready"}"#.utf8))
        }
        route(&router, .get, "/metrics") { [self] _ in
            metrics.updateServedModels(registry)
            if let jobs { metrics.updateJobs(jobs) }
            return HTTPResponse(headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition())
        }
        route(&router, .get, "/openapi.json") { _ in
            jsonResponse(OpenAPIDocument.bytes)
        }
    }
}

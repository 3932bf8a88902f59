// POST /encode, /decode, /reconstruct and /sample: one served model version per request, so a
// hot swap never mixes versions inside a response.
import AEJSON
import AEMath
import AEModel
import HTTPServer

extension Service {
    func addInferenceRoutes(to router: inout Router) {
        route(&router, .post, "/encode") { [self] request in
            let (body, served, result) = try await infer(.encode, request, batchKey: "vectors", singleKey: "vector",
                                                         width: \.inputDimension)
            guard let latent = result.latent else { throw APIError.internalError("encode produced no latent") }
            let logVariance = result.logVariance
            var out = JSONObjectWriter(capacity: latent.count * 12 + 64)
            if body.single {
                try out.array("latent", latent.storage)
                if let logVariance { try out.array("log_variance", logVariance.storage) }
            } else {
                try out.matrix("latents", latent.storage, columns: latent.columns)
                if let logVariance { try out.matrix("log_variances", logVariance.storage, columns: logVariance.columns) }
            }
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            metrics.vectorsServed(body.rows.rowCount, operation: "encode")
            return jsonResponse(out.finish())
        }
        route(&router, .post, "/decode") { [self] request in
            let (body, served, result) = try await infer(.decode, request, batchKey: "latents", singleKey: "latent",
                                                         width: \.latentDimension)
            guard let output = result.reconstruction else { throw APIError.internalError("decode produced no output") }
            var out = JSONObjectWriter(capacity: output.count * 12 + 64)
            if body.single {
                try out.array("vector", output.storage)
            } else {
                try out.matrix("vectors", output.storage, columns: output.columns)
            }
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            metrics.vectorsServed(body.rows.rowCount, operation: "decode")
            return jsonResponse(out.finish())
        }
        route(&router, .post, "/reconstruct") { [self] request in
            let (body, served, result) = try await infer(.reconstruct, request, batchKey: "vectors", singleKey: "vector",
                                                         width: \.inputDimension)
            guard let output = result.reconstruction else { throw APIError.internalError("reconstruct produced no output") }
            let errors = result.errors
            var out = JSONObjectWriter(capacity: output.count * 12 + 64)
            if body.single {
                try out.array("reconstruction", output.storage)
                try out.number("error", errors[0])
            } else {
                try out.matrix("reconstructions", output.storage, columns: output.columns)
                try out.array("errors", errors)
            }
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            metrics.vectorsServed(body.rows.rowCount, operation: "reconstruct")
            return jsonResponse(out.finish())
        }
        route(&router, .post, "/sample") { [self] request in
            try requireJSON(request)
            let (count, seed, name, version) = try parseSample(request.body)
            let served = try lookup(name, version)
            guard served.model.isVariational else {
                throw APIError.invalid("not_variational", """
                    model '\(served.name)' v\(served.version) is a plain autoencoder; /sample needs a variational model
                    """)
            }
            var generator = RandomGenerator(seed: seed)
            let latent = Matrix<Float>(rows: count, columns: served.architecture.latentDimension,
                                       values: (0..<(count * served.architecture.latentDimension)).map { _ in Float(generator.nextGaussian()) })
            let output = served.model.decode(latent)
            var out = JSONObjectWriter(capacity: output.count * 12 + 64)
            try out.matrix("vectors", output.storage, columns: output.columns)
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            metrics.vectorsServed(count, operation: "sample")
            return jsonResponse(out.finish())
        }
    }

    /// Parses a native inference body (`batchKey` or `singleKey`, and a route's `extraKeys`
    /// read by `extra`), checks that its rows are `width` of the served architecture wide, and
    /// runs `operation` on them. Every native inference route (and /score) goes through here.
    func infer(_ operation: BatchOperation, _ request: HTTPRequest, batchKey: String, singleKey: String,
               width: (Architecture) -> Int, extraKeys: [String] = [],
               extra: (String, inout JSONScanner) throws -> Void = { _, _ in }) async throws
        -> (body: InferenceRequest, served: ServedModel, result: BatchOutput)
    {
        try requireJSON(request)
        let body = try InferenceRequest.parse(request.body, batchKey: batchKey, singleKey: singleKey,
                                              limit: configuration.limits.batchVectors, extraKeys: extraKeys, extra: extra)
        let served = try lookup(body.model, body.version)
        try checkWidth(body, expected: width(served.architecture), served: served)
        return (body, served, await batcher.run(operation, served, matrix(body.rows), busy: isBusy(request),
                                                company: request.othersInFlight))
    }

    /// The served model `name` (default: the configured one), or the given version.
    func lookup(_ name: String?, _ version: Int?) throws(APIError) -> ServedModel {
        let name = name ?? configuration.models.defaultModel
        do {
            return try registry.model(named: name, version: version)
        } catch {
            throw error.apiError
        }
    }

    private func checkWidth(_ body: InferenceRequest, expected: Int, served: ServedModel) throws(APIError) {
        guard body.rows.columnCount == expected else {
            let at = body.single ? body.field : "\(body.field)[0]"
            throw APIError.invalid("dimension_mismatch", """
                \(at) has \(body.rows.columnCount) values; model '\(served.name)' v\(served.version) expects \(expected)
                """)
        }
    }

    func matrix(_ rows: FloatMatrix) -> Matrix<Float> {
        Matrix(rows: rows.rowCount, columns: rows.columnCount, values: rows.values)
    }

    /// `{"count": n, "seed": s, "model"?: name, "version"?: v}`.
    private func parseSample(_ body: [UInt8]) throws(APIError) -> (Int, UInt64, String?, Int?) {
        var count: Int?, seed: UInt64 = 0, model: String?, version: Int?
        try scanJSON(body) { scanner in
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                switch key {
                case "count": count = try scanner.readInteger()
                case "seed":
                    let value = try scanner.readInteger()
                    guard value >= 0 else { throw scanner.invalidValue("seed must be a non-negative integer, got \(value)") }
                    seed = UInt64(value)
                case "model": model = try scanner.readString()
                case "version": version = try scanner.readInteger()
                default:
                    throw APIError.invalid("unknown_field", InferenceRequest.unknownFieldMessage(key, known: ["count", "seed", "model", "version"]))
                }
            }
        }
        guard let count else { throw APIError.invalid("missing_field", "the body needs \"count\" (how many vectors to sample)") }
        let limit = configuration.limits.batchVectors
        guard (1...limit).contains(count) else {
            throw APIError.invalid("invalid_field", "count must be from 1 to \(limit) (setting limits.batch_vectors), got \(count)")
        }
        return (count, seed, model, version)
    }

    /// 415 unless the body is JSON (a missing Content-Type is accepted, as curl -d sends a form type).
    func requireJSON(_ request: HTTPRequest) throws(APIError) {
        guard let type = request.headers["Content-Type"] else { return }
        let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" || media.hasSuffix("+json") || media == "application/x-www-form-urlencoded" else {
            throw APIError(415, "unsupported_media_type", "Content-Type '\(clipped(type))' is not JSON; send application/json")
        }
    }
}

// POST /interpolate: decoded points on a path between two codes. Each end is an input vector
// (encoded first; a variational model's mean) or a latent code; the path is linear or a
// great-circle arc in latent space.
import AEJSON
import AEMath
import AEModel
import HTTPServer

extension Service {
    func addInterpolateRoute(to router: inout Router) {
        route(&router, .post, "/interpolate") { [self] request in
            try requireJSON(request)
            let body = try InterpolateRequest.parse(request.body, maxSteps: configuration.limits.batchVectors)
            let served = try lookup(body.model, body.version)
            let start = try latent(of: body.from, "from", served)
            let end = try latent(of: body.to, "to", served)
            let path = LatentInterpolation(from: start, to: end, mode: body.mode)
            let latents = path.points(steps: body.steps)
            let width = served.architecture.latentDimension
            let vectors = served.model.decode(Matrix(rows: latents.count, columns: width, values: latents.flatMap { $0 }))

            var out = JSONObjectWriter(capacity: vectors.count * 12 + latents.count * width * 12 + 128)
            try out.matrix("vectors", vectors.storage, columns: vectors.columns)
            try out.matrix("latents", latents.flatMap { $0 }, columns: width)
            try out.array("t", LatentInterpolation.parameters(steps: body.steps).map { Float($0) })
            out.string("mode", path.mode.rawValue)
            if let degeneracy = path.degeneracy { out.string("fallback", degeneracy.rawValue) }
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            metrics.vectorsServed(body.steps, operation: "interpolate")
            return jsonResponse(out.finish())
        }
    }

    /// The latent code of one end: a latent as given, or an input vector encoded (one row, as
    /// `/encode` with `"vector"` computes it).
    private func latent(of end: InterpolateRequest.End, _ name: String, _ served: ServedModel) throws(APIError) -> [Float] {
        let a = served.architecture
        switch end {
        case .latent(let values):
            try Self.checkEndWidth(values, field: "\(name)_latent", expected: a.latentDimension, what: "latent", served)
            return values
        case .vector(let values):
            try Self.checkEndWidth(values, field: name, expected: a.inputDimension, what: "input", served)
            let latent = served.model.encode(Matrix(rows: 1, columns: values.count, values: values)).latent.storage
            guard latent.allSatisfy(\.isFinite) else {
                throw APIError.nonFiniteOutput("the latent of \(name)", latent.first { !$0.isFinite } ?? .nan)
            }
            return latent
        }
    }

    private static func checkEndWidth(_ values: [Float], field: String, expected: Int, what: String,
                                      _ served: ServedModel) throws(APIError) {
        guard values.count == expected else {
            throw APIError.invalid("dimension_mismatch", """
                \(field) has \(values.count) values; model '\(served.name)' v\(served.version) expects \(expected) \
                (its \(what) width)
                """)
        }
    }
}

/// A parsed `/interpolate` body.
struct InterpolateRequest: Sendable {
    /// One end of the path.
    enum End: Sendable {
        /// An input vector, encoded before interpolating.
        case vector([Float])
        /// A latent code, used as it is.
        case latent([Float])
    }

    var model: String?
    var version: Int?
    var from: End
    var to: End
    var steps: Int
    var mode: LatentInterpolation.Mode

    /// Points on the path when `steps` is not given.
    static let defaultSteps = 8
    static let fields = ["model", "version", "from", "from_latent", "to", "to_latent", "steps", "mode"]

    /// Parses `{"from" | "from_latent", "to" | "to_latent", "steps"?, "mode"?, "model"?, "version"?}`.
    static func parse(_ body: [UInt8], maxSteps: Int) throws(APIError) -> InterpolateRequest {
        var model: String?, version: Int?, from: End?, to: End?, steps: Int?, modeName: String?
        try scanJSON(body) { scanner in
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                switch key {
                case "model": model = try scanner.readString()
                case "version": version = try InferenceRequest.readVersion(&scanner)
                case "from", "from_latent":
                    if from != nil { throw APIError.invalid("conflicting_fields", "give from (an input vector) or from_latent (a latent code), not both") }
                    let values = try scanner.readFloats()
                    from = key == "from" ? .vector(values) : .latent(values)
                case "to", "to_latent":
                    if to != nil { throw APIError.invalid("conflicting_fields", "give to (an input vector) or to_latent (a latent code), not both") }
                    let values = try scanner.readFloats()
                    to = key == "to" ? .vector(values) : .latent(values)
                case "steps": steps = try scanner.readInteger()
                case "mode": modeName = try scanner.readString()
                default:
                    throw APIError.invalid("unknown_field", InferenceRequest.unknownFieldMessage(key, known: fields))
                }
            }
        }
        guard let from else {
            throw APIError.invalid("missing_field", "the body needs \"from\" (an input vector) or \"from_latent\" (a latent code)")
        }
        guard let to else {
            throw APIError.invalid("missing_field", "the body needs \"to\" (an input vector) or \"to_latent\" (a latent code)")
        }
        let count = steps ?? defaultSteps
        guard (2...max(2, maxSteps)).contains(count) else {
            throw APIError.invalid("invalid_field", """
                steps must be from 2 to \(max(2, maxSteps)) (both ends included; setting limits.batch_vectors), got \(count)
                """)
        }
        var mode = LatentInterpolation.Mode.linear
        if let modeName {
            guard let parsed = LatentInterpolation.Mode(rawValue: modeName) else {
                throw APIError.invalid("invalid_field", "mode must be linear or spherical, got '\(modeName)'")
            }
            mode = parsed
        }
        return InterpolateRequest(model: model, version: version, from: from, to: to, steps: count, mode: mode)
    }
}

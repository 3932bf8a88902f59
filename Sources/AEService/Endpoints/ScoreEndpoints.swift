// POST /score: how unusual each vector is for a model version. The default score is the
// reconstruction error `/reconstruct` reports, computed by the same call (so the two agree
// bit for bit), judged against the version's calibration (its 0.99 quantile by default).
import AECheckpoint
import AEJSON
import AEMath
import AEModel
import Foundation
import HTTPServer

/// A threshold as applied: its value, and where it came from.
struct AppliedThreshold: Sendable {
    var value: Double
    /// The quantile of the calibration (nil for a value the request gave).
    var quantile: Double?
    /// Whether the quantile lies between stored ones and its value was interpolated.
    var interpolated: Bool

    /// `{"value", "quantile", "source", "interpolated"}`.
    var json: [UInt8] {
        var text = #"{"value":\#(value.description)"#
        if let quantile {
            text += #","quantile":\#(quantile.description),"source":"calibration","interpolated":\#(interpolated)}"#
        } else {
            text += #","source":"request"}"#
        }
        return Array(text.utf8)
    }
}

extension Service {
    func addScoreRoutes(to router: inout Router) {
        route(&router, .post, "/score") { [self] request in
            var options = ScoreRequest()
            let (body, served, result) = try await infer(.reconstruct, request, batchKey: "vectors", singleKey: "vector",
                                                         width: \.inputDimension, extraKeys: ScoreRequest.keys) { key, scanner in
                try options.read(key, &scanner)
            }
            try options.validate(for: served)
            guard let reconstruction = result.reconstruction else {
                throw APIError.internalError("reconstruct produced no output")
            }
            let threshold = try scoreThreshold(options.threshold, kind: options.kind, served: served)
            var scores = result.errors
            var elbo: ELBOSettings?
            switch options.kind {
            case .mse:
                break
            case .elbo:
                let settings = ELBOSettings(metadata: served.metadata, calibration: served.calibration,
                                            samples: options.samples, seed: options.seed)
                var generator = RandomGenerator(seed: settings.seed)
                scores = served.model.negativeELBO(matrix(body.rows), settings: settings, generator: &generator)
                elbo = settings
            case .hybrid:
                // The errors are the ones just computed; only the encoder runs again, for the codes.
                let density = try hybridDensity(served)
                scores = density.scores(codes: served.model.encode(matrix(body.rows)).latent, errors: result.errors)
            }
            let flags = scores.map { Double($0) > threshold.value }

            var out = JSONObjectWriter(capacity: 128 + scores.count * 20
                                       + (options.featureErrors ? reconstruction.count * 12 : 0))
            let single = body.single
            if single {
                try out.number("score", scores[0])
                out.raw("is_anomaly", Array((flags[0] ? "true" : "false").utf8))
            } else {
                try out.array("scores", scores)
                out.raw("is_anomaly", Array(("[" + flags.map { $0 ? "true" : "false" }.joined(separator: ",") + "]").utf8))
            }
            out.raw("threshold", threshold.json)
            out.raw("score_kind", Array("\"\(options.kind.rawValue)\"".utf8))
            if let elbo {
                out.raw("elbo", Array(#"{"samples":\#(elbo.samples),"seed":\#(elbo.seed),"beta":\#(elbo.beta.description),"loss":"\#(elbo.loss.rawValue)"}"#.utf8))
            }
            if options.featureErrors || options.topFeatures != nil {
                let input = matrix(body.rows)
                let squared = FeatureErrors.squared(reconstruction: reconstruction, input: input)
                let width = input.columns
                if options.featureErrors {
                    if single { try out.array("feature_errors", squared) } else { try out.matrix("feature_errors", squared, columns: width) }
                }
                if let k = options.topFeatures {
                    let rows = try (0..<input.rows).map { r throws(APIError) in
                        try Self.topFeaturesJSON(FeatureErrors.top(k, of: squared[(r * width)..<((r + 1) * width)]), row: r)
                    }
                    out.raw("top_features", single ? rows[0] : Array(("[" + rows.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]").utf8))
                }
            }
            out.raw("model", modelReferenceJSON(name: served.name, version: served.version))
            // Only answered scores count: the writer refused any that were not finite.
            metrics.scored(scores, anomalies: flags.filter { $0 }.count, model: served.name, version: served.version,
                           kind: options.kind)
            metrics.vectorsServed(body.rows.rowCount, operation: "score")
            return jsonResponse(out.finish())
        }
    }

    /// The threshold a score is judged by: the request's value, else a quantile (the
    /// request's, else 0.99) of the version's calibration of that score kind.
    func scoreThreshold(_ requested: ScoreRequest.Threshold?, kind: ScoreKind, served: ServedModel) throws(APIError) -> AppliedThreshold {
        if case .value(let value) = requested { return AppliedThreshold(value: value, quantile: nil, interpolated: false) }
        let quantile: Double
        if case .quantile(let q) = requested { quantile = q } else { quantile = Calibration.defaultQuantile }
        guard let calibration = served.calibration?[kind] else {
            let why = served.calibrationProblem.map { " (its calibration file cannot be used: \($0))" } ?? ""
            throw APIError.invalid("not_calibrated", """
                model '\(served.name)' v\(served.version) has no calibration for score '\(kind.rawValue)'\(why): calibrate it with \
                POST /models/\(served.name)/versions/\(served.version)/calibrate {"dataset": {"path": …}} \
                (or aeserve calibrate models/\(served.name)/\(served.version) --dataset …), or give "threshold": {"value": …}
                """)
        }
        do {
            let (value, interpolated) = try calibration.threshold(atQuantile: quantile)
            return AppliedThreshold(value: value, quantile: quantile, interpolated: interpolated)
        } catch {
            throw APIError.invalid("invalid_field", "threshold.\(error.description)")
        }
    }

    /// The latent density a hybrid score is measured against: the version's hybrid calibration,
    /// needed even when the request gives its own threshold value.
    private func hybridDensity(_ served: ServedModel) throws(APIError) -> LatentDensity {
        guard let density = served.calibration?[.hybrid]?.latent else {
            let why = served.calibrationProblem.map { " (its calibration file cannot be used: \($0))" } ?? ""
            throw APIError.invalid("not_calibrated", """
                model '\(served.name)' v\(served.version) has no calibration for score 'hybrid'\(why), and that score is \
                measured against one: calibrate it with POST /models/\(served.name)/versions/\(served.version)/calibrate \
                {"dataset": {"path": …}} (or aeserve calibrate models/\(served.name)/\(served.version) --dataset …)
                """)
        }
        if let problem = density.problem(latent: served.architecture.latentDimension) {
            throw APIError.invalid("not_calibrated", """
                model '\(served.name)' v\(served.version)'s hybrid calibration does not fit it (\(problem)); calibrate it again
                """)
        }
        return density
    }

    /// `[{"index": i, "error": e}, …]` for vector `row`.
    private static func topFeaturesJSON(_ top: [(index: Int, error: Float)], row: Int) throws(APIError) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (n, feature) in top.enumerated() {
            if n > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += Array(#"{"index":\#(feature.index),"error":"#.utf8)
            guard appendJSON(feature.error, to: &bytes) else {
                throw .nonFiniteOutput("top_features[\(row)][\(n)].error", feature.error)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}

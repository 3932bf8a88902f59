// POST /models/{name}/versions/{v}/calibrate: recompute a version's calibration on a dataset,
// written beside its checkpoint (never into it, so its sha256 stays) and served at once.
import AECheckpoint
import AEData
import AEMath
import AEModel
import AETraining
import Foundation
import HTTPServer

extension Service {
    func addCalibrationRoutes(to router: inout Router) {
        route(&router, .post, "/models/{name}/versions/{version}/calibrate") { [self] request in
            try authorize(request)
            try requireJSON(request)
            let name = request.parameter("name") ?? ""
            let text = request.parameter("version") ?? ""
            guard let version = Int(text), version >= 1, String(version) == text else {
                throw APIError.notFound("unknown_version", "version '\(text.prefix(32))' is not a positive integer")
            }
            let body = try CalibrationRequest.parse(request.body, maxInlineVectors: configuration.training.maxInlineVectors)
            let served = try lookup(name, version)
            let kinds = body.scores ?? ScoreKind.available(for: served.architecture)
            if let kind = kinds.first(where: { !ScoreKind.available(for: served.architecture).contains($0) }) {
                throw APIError.invalid("not_variational", """
                    model '\(served.name)' v\(served.version) is a plain autoencoder; score '\(kind.rawValue)' needs a variational model
                    """)
            }
            let (data, description) = try loadCalibrationData(body)
            var calibrations = served.calibration?.scores ?? [:]
            var elbo = ELBOSettings(metadata: served.metadata, calibration: served.calibration, samples: body.samples, seed: body.seed)
            elbo.beta = body.beta ?? elbo.beta
            elbo.loss = body.loss ?? elbo.loss
            let source = CalibrationSource(kind: "dataset", dataset: description, classes: body.dataset.classes)
            let now = ISO8601DateFormatter().string(from: Date())
            for kind in kinds {
                do {
                    calibrations[kind] = try Calibration.compute(model: served.model, data: data, kind: kind, elbo: elbo,
                                                                 source: source, createdAt: now)
                } catch {
                    throw APIError.invalid("invalid_dataset", "dataset: \(error)")
                }
            }
            let updated = try registry.recalibrate(name: served.name, version: served.version,
                                                   calibration: CalibrationSet(Array(calibrations.values)))
            logger.notice("model calibrated by request", metadata: [
                "model": "\(served.name)", "version": "\(served.version)", "dataset": "\(description)",
                "rows": "\(data.rows)", "request_id": "\(request.id)"])
            return try foundationJSON([
                "model": ["name": updated.name, "version": updated.version] as [String: Any],
                "sha256": updated.sha256, "calibration": calibrationObject(updated.calibration) ?? NSNull(),
            ])
        }
    }

    /// The calibrate body's data as a matrix, and how to name it: a file under the data roots,
    /// an uploaded dataset or inline vectors, cut to the classes asked for, then to `limit` rows
    /// (as a job's dataset).
    private func loadCalibrationData(_ body: CalibrationRequest) throws(APIError) -> (Matrix<Float>, String) {
        let resolver = DatasetResolver(roots: DataRoots(configuration.dataRoots.map { URL(fileURLWithPath: $0) }),
                                       uploads: Self.uploads(in: datasets))
        do {
            return (try resolver.load(body.dataset).matrix, body.dataset.path ?? body.dataset.id ?? "inline")
        } catch let error as DatasetSpecError {
            switch error.kind {
            case .refused: throw APIError(403, "dataset_path_refused", error.description)
            case .notFound: throw APIError.invalid("dataset_not_found", error.description)
            case .missing: throw APIError.invalid("missing_dataset", error.description)
            case .conflicting: throw APIError.invalid("conflicting_fields", error.description)
            case .invalid: throw APIError.invalid("invalid_dataset", error.description)
            }
        } catch let error as DataError {
            throw APIError.invalid("invalid_dataset", "dataset: \(error.description)")
        } catch {
            throw APIError.invalid("invalid_dataset", "dataset: \(error)")
        }
    }

    /// A version's calibrations as JSON objects keyed by score kind, for /models and answers.
    func calibrationObject(_ calibration: CalibrationSet?) -> Any? {
        guard let calibration else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(CalibrationFile.encode(calibration)))
    }
}

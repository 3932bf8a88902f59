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
            let body = try CalibrationRequest.parse(request.body)
            let served = try lookup(name, version)
            let kinds = body.scores ?? ScoreKind.available(for: served.architecture)
            if let refusal = kinds.lazy.compactMap({ APIError.unavailable($0, for: served) }).first { throw refusal }
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
            let answer = CalibrationAnswer(model: .init(name: updated.name, version: updated.version), sha256: updated.sha256,
                                           calibration: NullableCalibration(set: updated.calibration))
            return jsonResponse(Array(try Self.jobEncoder.encode(answer)))
        }
    }

    /// The calibrate body's data as a matrix, and how to name it: a file under the data roots,
    /// an uploaded dataset or inline vectors, checked as a job's dataset is, cut to the classes
    /// asked for, then to `limit` rows. The width is checked against the model's by the scoring.
    private func loadCalibrationData(_ body: CalibrationRequest) throws(APIError) -> (Matrix<Float>, String) {
        let resolver = DatasetResolver(roots: DataRoots(configuration.dataRoots.map { URL(fileURLWithPath: $0) }),
                                       uploads: Self.uploads(in: datasets))
        do {
            try JobValidator.checkDataset(body.dataset, width: nil, resolver: resolver,
                                          maxInlineVectors: configuration.training.maxInlineVectors)
            return (try resolver.load(body.dataset).matrix, body.dataset.path ?? body.dataset.id ?? "inline")
        } catch let error as JobError {
            throw APIError(error)
        } catch let error as DatasetSpecError {
            throw APIError(JobError(error))
        } catch let error as DataError {
            throw APIError.invalid("invalid_dataset", "dataset: \(error.description)")
        } catch {
            throw APIError.invalid("invalid_dataset", "dataset: \(error)")
        }
    }
}

// POST/GET /train-job, GET/DELETE /train-job/{id}, GET /train-job/{id}/events (server-sent events).
import AECheckpoint
import AEJSON
import AEModel
import Foundation
import HTTPServer

extension Service {
    func addTrainingRoutes(to router: inout Router) {
        route(&router, .post, "/train-job") { [self] request in
            try authorize(request)
            try requireJSON(request)
            let queue = try trainingQueue()
            if isDraining { throw APIError.unavailable("the server is shutting down; submit the job to another replica") }
            let body = try decodeJobRequest(request.body)
            let key = request.headers["Idempotency-Key"]
            if let key, key.isEmpty || key.count > 255 {
                throw APIError.malformed("Idempotency-Key must be 1 to 255 characters")
            }
            let (job, created) = try mapJobError { () throws(JobError) in
                try queue.submit(body, idempotencyKey: key, bodyDigest: SHA256Digest.hex(of: request.body))
            }
            var headers: HTTPHeaders = ["Location": "/train-job/\(job.id)"]
            if !created { headers.set("Idempotent-Replayed", "true") }
            if created {
                logger.info("training job submitted", metadata: ["job": "\(job.id)", "model": "\(job.request.model)", "request_id": "\(request.id)"])
            }
            return try jobResponse(job, status: .accepted, headers: headers)
        }
        route(&router, .get, "/train-job") { [self] request in
            let queue = try trainingQueue()
            var state: JobState?
            if let text = request.queryItem("status") {
                guard let parsed = JobState(rawValue: text) else {
                    throw APIError.invalid("invalid_query", "status must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")); got '\(clipped(text))'")
                }
                state = parsed
            }
            let jobs = queue.list(state: state)
            let data = try Self.jobEncoder.encode(["jobs": jobs])
            return jsonResponse(Array(data))
        }
        route(&router, .get, "/train-job/{id}") { [self] request in
            let id = request.parameter("id") ?? ""
            guard let job = try trainingQueue().job(id) else { throw APIError(JobError.unknownJob(id: id)) }
            return try jobResponse(job)
        }
        route(&router, .delete, "/train-job/{id}") { [self] request in
            try authorize(request)
            let queue = try trainingQueue()
            let job = try mapJobError { () throws(JobError) in try queue.cancel(request.parameter("id") ?? "") }
            logger.notice("training job cancelled by request", metadata: ["job": "\(job.id)", "request_id": "\(request.id)"])
            return try jobResponse(job)
        }
        route(&router, .get, "/train-job/{id}/events") { [self] request in
            let queue = try trainingQueue()
            let id = request.parameter("id") ?? ""
            let (events, continuation) = AsyncStream<JobEvent>.makeStream(bufferingPolicy: .unbounded)
            // Subscribe before taking the snapshot, so no epoch falls between the two; epochs
            // seen in both are sent once.
            let token = queue.subscribe(id) { event in
                continuation.yield(event)
                if case .finished = event { continuation.finish() }
            }
            guard let snapshot = queue.job(id) else {
                queue.unsubscribe(id, token)
                throw APIError(JobError.unknownJob(id: id))
            }
            // On drain the stream ends without an end event; the client reconnects elsewhere
            // (or to the restarted server) with Last-Event-ID.
            let drainToken = addEventStream(continuation)
            // A reconnecting client names the last epoch it saw (the event id).
            let lastSeen = request.headers["Last-Event-ID"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
            return HTTPResponse.serverSentEvents { [self] writer in
                defer {
                    queue.unsubscribe(id, token)
                    removeEventStream(drainToken)
                }
                var sent = lastSeen
                func send(_ job: TrainingJob, _ record: EpochRecord) async throws {
                    guard record.epoch > sent else { return }
                    let data = try Self.jobEncoder.encode(EpochEvent(job: job.id, epoch: record, epochs: job.progress.epochs))
                    try await writer.writeEvent(data: String(decoding: data, as: UTF8.self), event: "epoch", id: "\(record.epoch)")
                    sent = record.epoch
                }
                func end(_ job: TrainingJob) async throws {
                    let data = try Self.jobEncoder.encode(job)
                    try await writer.writeEvent(data: String(decoding: data, as: UTF8.self), event: "end")
                }
                // The epochs finished before this subscription, then the live ones.
                for record in snapshot.history { try await send(snapshot, record) }
                if snapshot.state.isFinal { return try await end(snapshot) }
                for await event in events {
                    switch event {
                    case let .epoch(job, record):
                        try await send(job, record)
                    case let .finished(job):
                        for record in job.history { try await send(job, record) }
                        return try await end(job)
                    }
                }
            }
        }
    }

    /// Runs `body`, turning a job error into the API's answer.
    private func mapJobError<T>(_ body: () throws(JobError) -> T) throws(APIError) -> T {
        do { return try body() } catch { throw APIError(error) }
    }

    private func trainingQueue() throws(APIError) -> JobQueue {
        guard let jobs else {
            // A serving replica: a trainer elsewhere takes these (an Ingress routes them there).
            throw APIError(503, "training_disabled",
                           "training is disabled on this server (setting training.enabled is false); send training requests to a trainer")
        }
        return jobs
    }

    private func decodeJobRequest(_ body: [UInt8]) throws(APIError) -> TrainingJobRequest {
        let limit = Architecture.LayerLimit(count: configuration.training.maxLayers, setting: "training.max_layers")
        return try decodeStrictJSON(TrainingJobRequest.self, from: body, userInfo: [Architecture.layerLimitKey: limit])
    }

    private func jobResponse(_ job: TrainingJob, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) throws -> HTTPResponse {
        jsonResponse(Array(try Self.jobEncoder.encode(job)), status: status, headers: headers)
    }

    static let jobEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Diverging losses are reported as a failed job, but a NaN must never reach JSON.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()
}

/// The data of an `epoch` server-sent event.
private struct EpochEvent: Encodable {
    var job: String
    var epoch: EpochRecord
    var epochs: Int
}

extension APIError {
    /// The answer to a job error: 422 for a broken contract, 403 for a refused path, 404, 409,
    /// 429 (with Retry-After), 500 when a job cannot be stored.
    public init(_ error: JobError) {
        switch error {
        case .invalid(let code, let message): self = .invalid(code, message)
        case .pathRefused(let message): self = APIError(403, "dataset_path_refused", message)
        case .unknownJob(let id): self = .notFound("unknown_job", "no training job '\(clipped(id))'")
        case .conflict(let code, let message): self = .conflict(code, message)
        case .queueFull(let message): self = .queueFull(message)
        case .storage(let message): self = .internalError(message)
        }
    }
}

// The service: the registry, the job queue, metrics and logs behind one router. It knows the
// JSON contract; the HTTP server under it knows nothing of autoencoders.
import AECheckpoint
import AEData
import AEDatasets
import AEJSON
import AEMath
import AEModel
import AETraining
import Foundation
import HTTPServer
import Logging
import Synchronization

/// The aeserve service: builds the router of every endpoint over a registry and a job queue.
public final class Service: Sendable {
    /// The settings it runs with.
    public let configuration: ServiceConfiguration
    /// The models it serves.
    public let registry: ModelRegistry
    /// The training queue (nil when training is disabled).
    public let jobs: JobQueue?
    /// Uploaded datasets (nil when training is disabled: they are the trainer's).
    public let datasets: DatasetStore?
    /// Its Prometheus metrics.
    public let metrics: ServiceMetrics
    /// Merges concurrent inference requests (`inference.dynamic_batching`).
    let batcher: DynamicBatcher
    /// The cores the math may use (`inference.threads`), installed for the process at init.
    public let compute: ComputePolicy
    let logger: Logger
    private let drainingFlag = Atomic<Bool>(false)
    /// Whether the process is busy: a request's math then stays on one core.
    let load = ProcessLoad()
    /// Where an older aeserve kept activations (moved into the models folder at start).
    private let legacyActivations: URL
    /// The open /train-job/{id}/events streams, ended when the service drains.
    private let eventStreams = Mutex<[UUID: AsyncStream<JobEvent>.Continuation]>([:])
    /// Overrides the peer check for tests of the loopback rule (nil: use the real peer).
    let peerOverride: (@Sendable (HTTPRequest) -> SocketAddress?)?

    /// A service over `configuration`'s models root and state folder.
    public init(configuration: ServiceConfiguration, logger: Logger = Logger(label: "aeserve"),
                peerOverride: (@Sendable (HTTPRequest) -> SocketAddress?)? = nil) throws {
        self.configuration = configuration
        self.logger = logger
        self.peerOverride = peerOverride
        let metrics = ServiceMetrics()
        self.metrics = metrics
        let compute = ComputePolicy.forMachine(configured: configuration.inferenceThreads)
        compute.install()
        self.compute = compute
        batcher = DynamicBatcher(settings: configuration.dynamicBatching, policy: compute) { rows in metrics.batchRan(rows: rows) }
        let state = URL(fileURLWithPath: configuration.stateFolder)
        legacyActivations = state.appendingPathComponent("activations.json")
        let registry = ModelRegistry(source: try Self.modelSource(configuration.models),
                                     loadedVersions: configuration.models.loadedVersions) { event in
            metrics.record(event)
            Self.log(event, to: logger)
        }
        self.registry = registry
        let datasets = configuration.training.enabled ? try Self.makeDatasetStore(configuration, logger: logger) : nil
        self.datasets = datasets
        if configuration.training.enabled {
            var settings = JobQueueSettings()
            // A job's dataset and labels may be uploads: `{"id": …}` names them in the store.
            settings.uploads = Self.uploads(in: datasets)
            settings.maxQueued = configuration.training.maxQueued
            settings.concurrency = configuration.training.concurrency
            settings.limits.maxInlineVectors = configuration.training.maxInlineVectors
            settings.limits.maxParameters = configuration.training.maxParameters
            settings.limits.maxEpochs = configuration.training.maxEpochs
            settings.limits.maxLayers = configuration.training.maxLayers
            settings.limits.maxBatchActivations = configuration.training.maxBatchActivations
            settings.worker.threads = configuration.training.threads
            settings.worker.memoryLimitBytes = configuration.training.memoryLimitBytes > 0
                ? configuration.training.memoryLimitBytes : nil
            settings.worker.maxAttempts = configuration.training.maxAttempts
            settings.worker.yieldIntervalMicroseconds = configuration.training.yieldIntervalMicroseconds
            settings.worker.executable = configuration.training.workerExecutable ?? Self.ownExecutable
            settings.dataRoots = DataRoots(configuration.dataRoots.map { URL(fileURLWithPath: $0) })
            jobs = JobQueue(store: try JobStore(root: state.appendingPathComponent("jobs")), registry: registry,
                            settings: settings) { event in
                metrics.record(event)
                if case .finished(let job) = event {
                    logger.info("training job finished", metadata: ["job": "\(job.id)", "state": "\(job.state.rawValue)",
                                                                   "error": "\(job.error ?? "")"])
                }
            }
        } else {
            jobs = nil
        }
    }

    /// Removes leftovers of interrupted writes, loads the models, resumes stored jobs and
    /// starts polling for new versions.
    public func start() throws {
        for path in registry.removeLeftovers() {
            logger.notice("removed a leftover of an interrupted write", metadata: ["path": "\(path)"])
        }
        let moved = registry.migrateActivations(from: legacyActivations)
        if !moved.isEmpty {
            logger.notice("activations moved from the state folder into the models folder, where every replica follows them",
                          metadata: ["activations": "\(moved.sorted { $0.key < $1.key }.map { "\($0.key) v\($0.value)" }.joined(separator: ", "))"])
        }
        registry.refresh()
        try jobs?.start()
        registry.startPolling(every: configuration.models.pollIntervalSeconds)
        metrics.updateServedModels(registry)
    }

    /// Stops taking jobs and marks the service as draining, so /readyz answers 503; ends the
    /// open event streams, which would otherwise hold the drain until their job ends.
    public func beginDrain() {
        drainingFlag.store(true, ordering: .relaxed)
        let open = eventStreams.withLock { streams in
            defer { streams.removeAll() }
            return Array(streams.values)
        }
        for continuation in open { continuation.finish() }
    }

    /// Stops the job queue: a running job stops at its next batch and keeps its state to resume;
    /// waits at most the drain timeout for its worker.
    public func stop() {
        jobs?.stop(timeout: configuration.server.drainTimeoutSeconds)
    }

    /// Keeps `continuation` to end it on drain (at once when already draining); returns the
    /// token that `removeEventStream` takes.
    func addEventStream(_ continuation: AsyncStream<JobEvent>.Continuation) -> UUID {
        let token = UUID()
        eventStreams.withLock { $0[token] = continuation }
        if isDraining { continuation.finish() }
        return token
    }

    /// Forgets a stream added with `addEventStream`.
    func removeEventStream(_ token: UUID) {
        _ = eventStreams.withLock { $0.removeValue(forKey: token) }
    }

    /// This process's executable, for training workers: resolved once at start, so that a
    /// binary replaced on disk later (an upgrade) does not change what workers run mid-way.
    static var ownExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }

    /// Whether the service is shutting down.
    public var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }

    /// The router of every endpoint.
    public func makeRouter() -> Router {
        var router = Router()
        let configuration = self.configuration
        router.errorResponse = { status, message, path in
            // Open Inference Protocol routes answer every error in OIP's shape.
            if let path, path == "/v2" || path.hasPrefix("/v2/") {
                return HTTPResponse(status: status, headers: ["Content-Type": "application/json"],
                                    body: oipErrorBody(message.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            if status.code == 413 { return Self.bodyTooLarge(path: path, configuration).response() }
            let code = status.code == 404 ? "not_found" : status.code == 405 ? "method_not_allowed" : "http_\(status.code)"
            return APIError(status.code, code, message.trimmingCharacters(in: .whitespacesAndNewlines)).response()
        }
        let metrics = self.metrics
        router.onUnmatched = { request, status, duration in
            // One label value for every unknown path, and the standard methods by name, so a
            // client sending random paths or methods cannot grow the metrics without bound.
            let method = Self.standardMethods.contains(request.method) ? request.method.rawValue : "other"
            metrics.recordRequest(route: "unmatched", method: method, status: status.code, duration: duration)
        }
        addInferenceRoutes(to: &router)
        addScoreRoutes(to: &router)
        addCalibrationRoutes(to: &router)
        addModelRoutes(to: &router)
        addTrainingRoutes(to: &router)
        addDatasetRoutes(to: &router)
        addOperationalRoutes(to: &router)
        addOpenInferenceRoutes(to: &router)
        addInterpolateRoute(to: &router)
        addDataFileRoutes(to: &router)
        addConsoleRoutes(to: &router)
        return router
    }

    /// Registers `handler` with metrics and error mapping (the server echoes X-Request-Id);
    /// `failure` turns a thrown error into the answer (the native error body by default).
    func route(_ router: inout Router, _ method: HTTPMethod, _ pattern: String, body: RequestBodyPolicy = .buffered,
               failure: @escaping @Sendable (any Error) -> HTTPResponse = Service.nativeFailure,
               _ handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        let metrics = self.metrics
        router.add(method, pattern, body: body) { request in
            let start = ContinuousClock.now
            var response: HTTPResponse
            do {
                response = try await handler(request)
            } catch {
                response = failure(error)
            }
            metrics.recordRequest(route: pattern, method: method.rawValue, status: response.status.code,
                                  duration: ContinuousClock.now - start)
            return response
        }
    }
}

extension Service {
    /// The models folder the settings name: one folder per model, or one model's base path.
    static func modelSource(_ models: ServiceConfiguration.Models) throws -> FolderModelSource {
        guard let name = models.modelName, let base = models.modelBasePath else {
            return FolderModelSource(root: URL(fileURLWithPath: models.root))
        }
        return FolderModelSource(store: try ModelStore(modelName: name, basePath: URL(fileURLWithPath: base)))
    }

    /// One log line per registry event: problems on disk as warnings, with what is served meanwhile.
    static func log(_ event: RegistryEvent, to logger: Logger) {
        switch event {
        case let .loaded(name, version): logger.info("model loaded", metadata: ["model": "\(name)", "version": "\(version)"])
        case let .refused(name, version, reason):
            logger.error("checkpoint refused; serving what was loaded before",
                         metadata: ["model": "\(name)", "version": "\(version)", "reason": "\(reason)"])
        case let .removed(name, version): logger.notice("model version removed", metadata: ["model": "\(name)", "version": "\(version)"])
        case let .activated(name, version): logger.notice("model activated", metadata: ["model": "\(name)", "version": "\(version)"])
        case let .unloaded(name, version):
            logger.info("model version unloaded; it stays on disk and loads again when asked for",
                        metadata: ["model": "\(name)", "version": "\(version)"])
        case let .skipped(path, reason):
            logger.warning("skipped in the models folder", metadata: ["path": "\(path)", "reason": "\(reason)"])
        case let .unreadable(path, reason):
            logger.warning("cannot read the models folder; serving what was loaded", metadata: ["path": "\(path)", "reason": "\(reason)"])
        }
    }

    /// Whether the server is busy as `request` is handled: other requests in flight, or the
    /// process averaging more than a core. A one-vector request then computes on one core.
    func isBusy(_ request: HTTPRequest) -> Bool {
        compute.cores > 1 && (request.othersInFlight > 0 || load.isBusy)
    }

    /// The server's 413, naming the limit the body passed and its setting: uploads have their own.
    static func bodyTooLarge(path: String?, _ configuration: ServiceConfiguration) -> APIError {
        if path == "/datasets" {
            return APIError(413, "upload_too_large", """
                the upload (as sent, or once inflated) is over \(configuration.datasets.maxUploadBytes) bytes, the limit \
                (setting datasets.max_upload_bytes)
                """)
        }
        return APIError(413, "http_413", """
            the request body (as sent, or once inflated) is over \(configuration.limits.bodyBytes) bytes, the limit \
            (setting limits.body_bytes)
            """)
    }

    /// Methods counted by name when a request matches no route.
    static let standardMethods: Set<HTTPMethod> = [.get, .head, .post, .put, .patch, .delete, .options]

    /// The native answer to a thrown error: its own status for an `APIError` (and for a
    /// streamed body the server refused, which it has answered itself), else a 500.
    @Sendable static func nativeFailure(_ error: any Error) -> HTTPResponse {
        switch error {
        case let error as APIError: return error.response()
        case HTTPBodyError.refused(let refusal): return APIError(refusal.status, "http_\(refusal.status)", refusal.message).response()
        case HTTPBodyError.connectionClosed: return APIError(400, "incomplete_body", "\(error)").response()
        default: return APIError.internalError("\(error)").response()
        }
    }
}

extension APIError {
    /// The longest message an answer carries: messages quote client strings cut short already,
    /// and this bounds whatever else a message could grow by.
    static let messageLimit = 8192

    /// `{"error": {"code": …, "message": …}}` with this error's status.
    func response() -> HTTPResponse {
        var body: [UInt8] = Array("{\"error\":{\"code\":".utf8)
        appendJSONString(code, to: &body)
        body += Array(",\"message\":".utf8)
        appendJSONString(clipped(message, limit: Self.messageLimit), to: &body)
        body += Array("}}".utf8)
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if status == 401 { headers.set("WWW-Authenticate", "Bearer") }
        if let retryAfterSeconds { headers.set("Retry-After", String(retryAfterSeconds)) }
        return HTTPResponse(status: HTTPStatus(status), headers: headers, body: body)
    }
}

/// A JSON response with `body`.
func jsonResponse(_ body: [UInt8], status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
    var headers = headers
    headers.set("Content-Type", "application/json")
    return HTTPResponse(status: status, headers: headers, body: body)
}


// The in-process training queue: bounded, persistent, resumable after a crash, with a
// configurable number of workers that train at a lower priority than inference.
import AECheckpoint
import AEData
import AEMath
import AEModel
import AETraining
import CLinux
import Foundation

/// Something that happened to a job, for server-sent events.
public enum JobEvent: Sendable {
    /// An epoch finished.
    case epoch(TrainingJob, EpochRecord)
    /// The job reached a final state.
    case finished(TrainingJob)
}

/// Settings of the job queue.
public struct JobQueueSettings: Sendable {
    /// Jobs that may wait (queued) at once; past it submissions get 429.
    public var maxQueued: Int = 16
    /// Jobs that train at once.
    public var concurrency: Int = 1
    /// Data roots that job dataset paths are confined to.
    public var dataRoots: DataRoots = DataRoots()
    /// Largest inline dataset, in vectors.
    public var maxInlineVectors: Int = 100_000
    /// Largest model a job may build, in trainable values (a request must not exhaust memory).
    public var maxParameters: Int = 20_000_000
    /// Most epochs a job may ask for.
    public var maxEpochs: Int = 10_000
    /// Nice value of training threads (higher is lower priority), so inference stays fast.
    public var trainingNice: Int32 = 10
    /// Cores one training job's math is split over (fewer than inference gets).
    public var threads: Int = 1

    /// Defaults.
    public init() {}
}

/// The training-job queue.
public final class JobQueue: @unchecked Sendable {
    private let store: JobStore
    private let registry: ModelRegistry
    private let settings: JobQueueSettings
    private let lock = NSCondition()
    private var jobs: [String: TrainingJob] = [:]
    private var pending: [String] = []               // FIFO of queued job ids
    private var cancelRequested: Set<String> = []
    private var stopping = false
    private var subscribers: [String: [UUID: @Sendable (JobEvent) -> Void]] = [:]
    private var workers: [Thread] = []
    private var running = 0
    private let onEvent: @Sendable (JobEvent) -> Void
    /// Delivers events in order, off the training threads.
    private let eventDelivery = DispatchQueue(label: "aeserve-job-events")

    /// A queue persisting to `store` and publishing finished models to `registry`.
    public init(store: JobStore, registry: ModelRegistry, settings: JobQueueSettings = JobQueueSettings(),
                onEvent: @escaping @Sendable (JobEvent) -> Void = { _ in }) {
        self.store = store
        self.registry = registry
        self.settings = settings
        self.onEvent = onEvent
    }

    /// Loads stored jobs (a job that was running when the process stopped is queued again to
    /// resume from its last finished epoch) and starts the workers.
    public func start() throws {
        let stored = try store.loadAll().sorted { $0.createdAt < $1.createdAt }
        lock.withLock {
            for var job in stored {
                if job.state == .running {
                    job.state = .queued
                    job.resumed += 1
                    try? store.save(job)
                }
                jobs[job.id] = job
                if job.state == .queued { pending.append(job.id) }
            }
        }
        for index in 0..<max(1, settings.concurrency) {
            let thread = Thread { [weak self] in self?.workLoop() }
            thread.name = "aeserve-training-\(index)"
            workers.append(thread)
            thread.start()
        }
    }

    /// Stops taking jobs; a running job stops at its next batch boundary and stays stored as
    /// running, so the next start resumes it. Returns when the workers have stopped.
    public func stop(timeout: Double = 30) {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        let deadline = Date().addingTimeInterval(timeout)
        lock.withLock {
            while running > 0 && Date() < deadline { _ = lock.wait(until: min(deadline, Date().addingTimeInterval(0.05))) }
        }
    }

    /// Submits a job. A repeated `idempotencyKey` with the same body returns the first job
    /// (`created` false); with a different body it is a 409.
    public func submit(_ request: TrainingJobRequest, idempotencyKey: String?, bodyDigest: String) throws(APIError)
        -> (job: TrainingJob, created: Bool)
    {
        try validate(request)
        let result: Result<(TrainingJob, Bool), APIError> = lock.withLock {
            if let key = idempotencyKey, let existing = jobs.values.first(where: { $0.idempotencyKey == key }) {
                guard existing.requestDigest == bodyDigest else {
                    return .failure(.conflict("idempotency_key_reused", """
                        Idempotency-Key '\(key)' was used for job \(existing.id) with a different body; \
                        use a new key for a new job
                        """))
                }
                return .success((existing, false))
            }
            guard pending.count < settings.maxQueued else {
                return .failure(.queueFull("""
                    the training queue is full (\(pending.count) queued, limit \(settings.maxQueued), \
                    setting training.max_queued); retry later
                    """))
            }
            let job = TrainingJob(
                id: Self.newID(), state: .queued, request: request, createdAt: Date(), startedAt: nil,
                finishedAt: nil, progress: JobProgress(epoch: 0, epochs: request.training.epochs), history: [],
                result: nil, error: nil, idempotencyKey: idempotencyKey, requestDigest: bodyDigest, resumed: 0)
            do { try store.save(job) } catch {
                return .failure(.internalError("cannot store job: \(error)"))
            }
            jobs[job.id] = job
            pending.append(job.id)
            lock.broadcast()
            return .success((job, true))
        }
        return try result.get()
    }

    /// One job by id.
    public func job(_ id: String) -> TrainingJob? {
        lock.withLock { jobs[id] }
    }

    /// Jobs, newest first, optionally only those in `state`.
    public func list(state: JobState? = nil) -> [TrainingJob] {
        lock.withLock {
            jobs.values.filter { state == nil || $0.state == state }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        }
    }

    /// Cancels a queued or running job (a running one stops at its next batch).
    public func cancel(_ id: String) throws(APIError) -> TrainingJob {
        let result: Result<TrainingJob, APIError> = lock.withLock {
            guard var job = jobs[id] else { return .failure(.notFound("unknown_job", "no training job '\(id)'")) }
            switch job.state {
            case .queued:
                pending.removeAll { $0 == id }
                job.state = .cancelled
                job.finishedAt = Date()
                jobs[id] = job
                try? store.save(job)
                return .success(job)
            case .running:
                cancelRequested.insert(id)
                return .success(job)
            case .succeeded, .failed, .cancelled:
                return .failure(.conflict("job_finished", "training job '\(id)' already \(job.state.rawValue)"))
            }
        }
        let job = try result.get()
        // Notify outside the lock: handlers may call back into the queue.
        if job.state == .cancelled { notify(.finished(job)) }
        return job
    }

    /// Calls `handler` for each event of job `id` until the returned token is passed to
    /// `unsubscribe`.
    public func subscribe(_ id: String, _ handler: @escaping @Sendable (JobEvent) -> Void) -> UUID {
        let token = UUID()
        lock.withLock { subscribers[id, default: [:]][token] = handler }
        return token
    }

    /// Stops the events of `subscribe`.
    public func unsubscribe(_ id: String, _ token: UUID) {
        lock.withLock { subscribers[id]?[token] = nil }
    }

    /// Queued jobs waiting to start.
    public var queuedCount: Int { lock.withLock { pending.count } }

    // MARK: - Workers

    private func workLoop() {
        // Train at a lower priority than the threads serving requests: SCHED_IDLE (a nice value
        // alone took time slices of several milliseconds from requests); the nice value covers
        // systems that refuse SCHED_IDLE. On Linux, PRIO_PROCESS with who = 0 applies to the
        // calling thread only (setpriority(2), BUGS).
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, settings.trainingNice)
        _ = clinux_set_thread_idle()
        // SCHED_IDLE alone did not keep request threads from waiting for this core (YieldTimer).
        let yielder = YieldTimer()
        while true {
            let next: String? = lock.withLock {
                while pending.isEmpty && !stopping { lock.wait() }
                if stopping { return nil }
                running += 1
                return pending.removeFirst()
            }
            guard let id = next else { return }
            // The whole job, dataset decoding and state writes included, yields its core: a
            // few milliseconds of CPU without a yield already show in the p99 of requests.
            yielder.armed { train(id) }
            lock.withLock {
                running -= 1
                lock.broadcast()
            }
        }
    }

    private func train(_ id: String) {
        guard var job = lock.withLock({ jobs[id] }) else { return }
        job.state = .running
        job.startedAt = Date()
        update(job)
        do {
            var run = try makeRun(for: job)
            let epochs = job.request.training.epochs
            // The job's products use `threads` cores, whatever inference is given.
            let outcome = try Parallel.$taskWidth.withValue(settings.threads) { try run.run(
                onEpoch: { [self] record, state in
                    try store.saveState(state, jobID: id)
                    job.history = state.history
                    job.progress = JobProgress(
                        epoch: record.epoch, epochs: epochs, samplesPerSecond: record.samplesPerSecond,
                        trainLoss: record.trainLoss, validationLoss: record.validationLoss,
                        etaSeconds: Double(epochs - record.epoch) * record.seconds)
                    update(job)
                    notify(.epoch(job, record))
                },
                isCancelled: { [self] in
                    lock.withLock { stopping || cancelRequested.contains(id) }
                }) }
            let served = try registry.publish(name: job.request.model, model: outcome.model, metadata: outcome.metadata,
                                              activate: job.request.activate)
            let last = outcome.history.last
            job.result = JobResult(model: served.name, version: served.version, activated: job.request.activate,
                                   trainLoss: last?.trainLoss, validationLoss: last?.validationLoss)
            finish(&job, .succeeded)
        } catch TrainingError.cancelled {
            let userCancelled = lock.withLock { cancelRequested.remove(id) != nil }
            if userCancelled {
                finish(&job, .cancelled)
            }
            // Otherwise the server is stopping: the job stays "running" in the store and the
            // next start resumes it from its saved state.
        } catch {
            job.error = "\(error)"
            finish(&job, .failed)
        }
    }

    private func makeRun(for job: TrainingJob) throws -> TrainingRun {
        let request = job.request
        let data = try DatasetResolver(roots: settings.dataRoots).load(request.dataset).matrix
        let start: TrainingRun.Start
        if let state = try store.loadState(jobID: job.id) {
            start = .resume(state)
        } else if let base = request.baseVersion {
            start = .fineTune(try registry.model(named: request.model, version: base).model)
        } else if let architecture = request.architecture {
            start = .fresh(architecture)
        } else {
            throw APIError.invalid("missing_architecture", "give architecture or base_version")
        }
        return try TrainingRun(start: start, data: data, options: request.training,
                               datasetName: request.dataset.displayName, extraMetadata: ["job": job.id])
    }

    /// Checks what can be checked before queueing, so a bad job is refused at once.
    private func validate(_ request: TrainingJobRequest) throws(APIError) {
        do { try ModelStore.validate(request.model) } catch {
            throw .invalid("invalid_model_name", "model: \(error.description)")
        }
        do { try request.training.validate() } catch {
            throw .invalid("invalid_training_options", "training: \(error.description)")
        }
        guard request.training.epochs <= settings.maxEpochs else {
            throw .invalid("invalid_training_options", """
                training: epochs is \(request.training.epochs); the limit is \(settings.maxEpochs) (setting training.max_epochs)
                """)
        }
        switch (request.architecture, request.baseVersion) {
        case (nil, nil):
            throw .invalid("missing_architecture", "give architecture (a new model) or base_version (fine-tune)")
        case (.some, .some):
            throw .invalid("conflicting_fields", "give architecture or base_version, not both")
        case (.some(let architecture), nil):
            do { try architecture.validate() } catch { throw .invalid("invalid_architecture", "architecture: \(error.description)") }
            let parameters = Autoencoder<Float>.layerSpecs(of: architecture).reduce(0) { total, layer in
                total + layer.outputs * (layer.inputs + 1)
            }
            guard parameters <= settings.maxParameters else {
                throw .invalid("model_too_large", """
                    architecture has \(parameters) parameters; the limit is \(settings.maxParameters) \
                    (setting training.max_parameters)
                    """)
            }
        case (nil, .some(let version)):
            do { _ = try registry.model(named: request.model, version: version) } catch {
                throw .invalid("unknown_base_version", "base_version: \(error.description)")
            }
        }
        do {
            try DatasetResolver(roots: settings.dataRoots).check(request.dataset, width: request.architecture?.inputDimension)
        } catch {
            switch error.kind {
            case .notFound: throw .invalid("dataset_not_found", error.description)
            case .refused: throw APIError(403, "dataset_path_refused", error.description)
            case .missing: throw .invalid("missing_dataset", error.description)
            case .conflicting: throw .invalid("conflicting_fields", error.description)
            case .invalid: throw .invalid("invalid_dataset", error.description)
            }
        }
        if let vectors = request.dataset.vectors, vectors.count > settings.maxInlineVectors {
            throw .invalid("dataset_too_large", """
                dataset.vectors has \(vectors.count) vectors; the limit is \(settings.maxInlineVectors) \
                (setting training.max_inline_vectors); use a file under a data root
                """)
        }
    }

    private func finish(_ job: inout TrainingJob, _ state: JobState) {
        job.state = state
        job.finishedAt = Date()
        store.removeState(jobID: job.id)
        update(job)
        notify(.finished(job))
    }

    /// Persists, then publishes: whatever a client can see of a job is already on disk.
    private func update(_ job: TrainingJob) {
        try? store.save(job)
        lock.withLock { jobs[job.id] = job }
    }

    private func notify(_ event: JobEvent) {
        let id: String
        switch event {
        case .epoch(let job, _), .finished(let job): id = job.id
        }
        let handlers = lock.withLock { subscribers[id].map { Array($0.values) } ?? [] }
        // Delivered from a normal-priority serial queue, never from the SCHED_IDLE training
        // thread: a handler takes locks that request threads share (metrics, logs), and an
        // idle-class thread holding one while starved of CPU would stall every request behind it.
        let onEvent = self.onEvent
        eventDelivery.async {
            for handler in handlers { handler(event) }
            onEvent(event)
        }
    }

    private static func newID() -> String {
        "job-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
    }
}

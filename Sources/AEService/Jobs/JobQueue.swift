// The training-job queue: bounded, persistent, in submission order, resumable after a crash.
// Each running job trains in a worker process of its own; the queue schedules, stores, retries
// and cancels, and publishes what a worker produced.
import AECheckpoint
import AEJSON
import AEData
import AEModel
import AETraining
import Foundation
import Synchronization

/// Something that happened to a job, for server-sent events.
public enum JobEvent: Sendable {
    /// An epoch finished.
    case epoch(TrainingJob, EpochRecord)
    /// The job reached a final state.
    case finished(TrainingJob)
}

/// How training workers are started.
public struct WorkerSettings: Sendable, Equatable {
    /// The `aeserve` binary to run as `aeserve train-worker` (this process's own by default).
    public var executable: String = "/proc/self/exe"
    /// Cores one worker's math uses.
    public var threads: Int = 1
    /// Each worker's data-segment limit in bytes (`training.memory_limit_bytes`); nil for none.
    public var memoryLimitBytes: Int? = 4 << 30
    /// How often a worker's training thread yields its core, in microseconds; 0 for never.
    public var yieldIntervalMicroseconds: Int = 100
    /// Worker runs one job may take before it fails (`training.max_attempts`).
    public var maxAttempts: Int = 3
    /// How long a worker asked to stop may take before it is killed, in seconds.
    public var stopGraceSeconds: Double = 3

    /// The defaults.
    public init() {}
}

/// Settings of the job queue.
public struct JobQueueSettings: Sendable {
    /// Jobs that may wait (queued) at once; past it submissions get 429.
    public var maxQueued: Int = 16
    /// Jobs that train at once.
    public var concurrency: Int = 1
    /// Data roots that job dataset paths are confined to.
    public var dataRoots: DataRoots = DataRoots()
    /// The file of an uploaded dataset by id (`dataset.id`), nil when there is none.
    public var uploads: @Sendable (String) -> UploadedFile? = { _ in nil }
    /// What a request may ask for.
    public var limits = JobLimits()
    /// How workers run.
    public var worker = WorkerSettings()

    /// Defaults.
    public init() {}
}

/// The training-job queue.
public final class JobQueue: Sendable {
    /// What the queue holds; guarded by `state`'s lock.
    private struct State {
        var jobs: [String: TrainingJob] = [:]
        /// Queued job ids in the order they run (interrupted jobs first, then by sequence).
        var pending: [String] = []
        var cancelRequested: Set<String> = []
        /// Process ids of running workers, by job id.
        var workers: [String: pid_t] = [:]
        var stopping = false
        var running = 0
        var nextSequence = 1
        var subscribers: [String: [UUID: @Sendable (JobEvent) -> Void]] = [:]
    }

    private let store: JobStore
    private let registry: ModelRegistry
    private let settings: JobQueueSettings
    private let validator: JobValidator
    private let state = Mutex(State())
    /// Wakes idle schedulers when a job is queued or the queue stops.
    private let wake = NSCondition()
    private let onEvent: @Sendable (JobEvent) -> Void
    /// Delivers events in order, off the scheduler threads.
    private let eventDelivery = DispatchQueue(label: "aeserve-job-events")

    /// A queue persisting to `store` and publishing finished models to `registry`.
    public init(store: JobStore, registry: ModelRegistry, settings: JobQueueSettings = JobQueueSettings(),
                onEvent: @escaping @Sendable (JobEvent) -> Void = { _ in }) {
        self.store = store
        self.registry = registry
        self.settings = settings
        self.onEvent = onEvent
        validator = JobValidator(limits: settings.limits, dataRoots: settings.dataRoots, uploads: settings.uploads) {
            name, version throws(JobError) in
            do {
                return try registry.model(named: name, version: version).model.architecture.inputDimension
            } catch {
                throw .invalid(code: "unknown_base_version", message: "base_version: \(error)")
            }
        }
    }

    /// Loads stored jobs and starts the schedulers. A job that was running when the process
    /// stopped runs first, resuming from its last finished epoch; queued jobs follow in
    /// submission order.
    public func start() throws {
        let stored = try store.loadAll().sorted { ($0.sequence, $0.createdAt, $0.id) < ($1.sequence, $1.createdAt, $1.id) }
        var interrupted: [String] = [], queued: [String] = []
        state.withLock { state in
            for var job in stored {
                if job.state == .running {
                    job.state = .queued
                    job.resumed += 1
                    try? store.save(job)
                    interrupted.append(job.id)
                } else if job.state == .queued {
                    queued.append(job.id)
                }
                state.jobs[job.id] = job
            }
            state.pending = interrupted + queued
            state.nextSequence = (stored.map(\.sequence).max() ?? 0) + 1
        }
        // A scheduler thread lives as long as the queue: a worker dies with the thread that
        // started it (PR_SET_PDEATHSIG), so workers are never started from pooled threads.
        for index in 0..<max(1, settings.concurrency) {
            let thread = Thread { [weak self] in self?.schedule() }
            thread.name = "aeserve-jobs-\(index)"
            thread.start()
        }
    }

    /// Stops taking jobs and asks running workers to stop at their next batch (killing those
    /// that take longer than the grace period). Their jobs stay stored as running, so the next
    /// start resumes them. Returns when the workers have exited or `timeout` has passed.
    public func stop(timeout: Double = 10) {
        let running = state.withLock { state in
            state.stopping = true
            return Array(state.workers.values)
        }
        wake.withLock { wake.broadcast() }
        for pid in running { kill(pid, SIGTERM) }
        let grace = Date().addingTimeInterval(min(settings.worker.stopGraceSeconds, timeout))
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (busy, left) = state.withLock { ($0.running, Array($0.workers.values)) }
            if busy == 0 { return }
            if Date() >= grace { for pid in left { kill(pid, SIGKILL) } }
            usleep(10_000)
        }
    }

    /// Submits a job. A repeated `idempotencyKey` with the same body returns the first job
    /// (`created` false); with a different body it is a conflict.
    public func submit(_ request: TrainingJobRequest, idempotencyKey: String?, bodyDigest: String) throws(JobError)
        -> (job: TrainingJob, created: Bool)
    {
        try validator.validate(request)
        let result: Result<(TrainingJob, Bool), JobError> = state.withLock { state in
            if let key = idempotencyKey, let existing = state.jobs.values.first(where: { $0.idempotencyKey == key }) {
                guard existing.requestDigest == bodyDigest else {
                    return .failure(.conflict(code: "idempotency_key_reused", message: """
                        Idempotency-Key '\(clipped(key))' was used for job \(existing.id) with a different body; \
                        use a new key for a new job
                        """))
                }
                return .success((existing, false))
            }
            guard state.pending.count < settings.maxQueued else {
                return .failure(.queueFull("""
                    the training queue is full (\(state.pending.count) queued, limit \(settings.maxQueued), \
                    setting training.max_queued); retry later
                    """))
            }
            let job = TrainingJob(
                id: Self.newID(), sequence: state.nextSequence, state: .queued, request: request, createdAt: Date(),
                progress: JobProgress(epoch: 0, epochs: request.training.epochs),
                idempotencyKey: idempotencyKey, requestDigest: bodyDigest)
            do { try store.save(job) } catch {
                return .failure(.storage("cannot store the job: \(error)"))
            }
            state.nextSequence += 1
            state.jobs[job.id] = job
            state.pending.append(job.id)
            return .success((job, true))
        }
        let submitted = try result.get()
        wake.withLock { wake.signal() }
        return submitted
    }

    /// One job by id.
    public func job(_ id: String) -> TrainingJob? {
        state.withLock { $0.jobs[id] }
    }

    /// Jobs, newest first, optionally only those in `state`.
    public func list(state filter: JobState? = nil) -> [TrainingJob] {
        state.withLock { state in
            state.jobs.values.filter { filter == nil || $0.state == filter }.sorted { ($0.sequence, $0.id) > ($1.sequence, $1.id) }
        }
    }

    /// Cancels a queued or running job (a running one stops at its next batch).
    public func cancel(_ id: String) throws(JobError) -> TrainingJob {
        let result: Result<(TrainingJob, pid_t?), JobError> = state.withLock { state in
            guard var job = state.jobs[id] else { return .failure(.unknownJob(id: id)) }
            switch job.state {
            case .queued:
                state.pending.removeAll { $0 == id }
                job.state = .cancelled
                job.finishedAt = Date()
                state.jobs[id] = job
                try? store.save(job)
                return .success((job, nil))
            case .running:
                state.cancelRequested.insert(id)
                return .success((job, state.workers[id]))
            case .succeeded, .failed, .cancelled:
                return .failure(.conflict(code: "job_finished", message: "training job '\(id)' already \(job.state.rawValue)"))
            }
        }
        let (job, worker) = try result.get()
        if let worker { kill(worker, SIGTERM) }
        // Notify outside the lock: handlers may call back into the queue.
        if job.state == .cancelled {
            store.removeFiles(jobID: id)
            notify(.finished(job))
        }
        return job
    }

    /// Calls `handler` for each event of job `id` until the returned token is passed to
    /// `unsubscribe`.
    public func subscribe(_ id: String, _ handler: @escaping @Sendable (JobEvent) -> Void) -> UUID {
        let token = UUID()
        state.withLock { $0.subscribers[id, default: [:]][token] = handler }
        return token
    }

    /// Stops the events of `subscribe`.
    public func unsubscribe(_ id: String, _ token: UUID) {
        state.withLock { $0.subscribers[id]?[token] = nil }
    }

    /// Queued jobs waiting to start.
    public var queuedCount: Int { state.withLock { $0.pending.count } }

    // MARK: - Scheduling

    /// One scheduler: takes the next queued job, runs it to an end, repeats until stopped.
    private func schedule() {
        while let id = nextJob() {
            run(id)
            state.withLock { $0.running -= 1 }
        }
    }

    private func nextJob() -> String? {
        wake.lock()
        defer { wake.unlock() }
        while true {
            let next: String?? = state.withLock { state in
                if state.stopping { return .some(nil) }
                guard !state.pending.isEmpty else { return nil }
                state.running += 1
                let id = state.pending.removeFirst()
                // Running from here, under the lock that took it: a cancel that comes before
                // `run` starts its worker must ask the worker to stop, not mark a job cancelled
                // that `run` would then set running again (the cancel was lost).
                state.jobs[id]?.state = .running
                return .some(id)
            }
            if let next { return next }
            wake.wait()
        }
    }

    /// Runs job `id` in workers until it ends, is stopped, or has used its attempts.
    private func run(_ id: String) {
        guard var job = state.withLock({ $0.jobs[id] }) else { return }
        job.state = .running
        job.startedAt = Date()
        update(job)
        let worker = settings.worker
        while true {
            guard job.attempts < worker.maxAttempts else {
                let last = job.error.map { "; the last: \($0)" } ?? ""
                job.error = "the training worker failed \(job.attempts) times (setting training.max_attempts)\(last)"
                return finish(&job, .failed)
            }
            let assignment: URL
            do {
                assignment = try prepare(job)
            } catch {
                job.error = "\(error)"
                return finish(&job, .failed)
            }
            // Counted before the worker starts: a job whose worker takes the server down with
            // it still uses up its attempts, so it cannot crash-loop a restarted server.
            job.attempts += 1
            update(job)
            let outcome = WorkerProcess.run(
                executable: worker.executable, assignmentFile: assignment, logFile: store.workerLogURL(jobID: id),
                memoryLimitBytes: worker.memoryLimitBytes,
                onStart: { pid in
                    let stopNow = state.withLock { state in
                        state.workers[id] = pid
                        return state.stopping || state.cancelRequested.contains(id)
                    }
                    if stopNow { kill(pid, SIGTERM) }
                },
                onEvent: { event in self.record(event, of: &job) })
            state.withLock { _ = $0.workers.removeValue(forKey: id) }
            switch outcome {
            case .finished:
                return publish(&job)
            case .failed(let message):
                job.error = message
                return finish(&job, .failed)
            case .stopped, .crashed:
                let (cancelled, stopping) = state.withLock { ($0.cancelRequested.remove(id) != nil, $0.stopping) }
                if cancelled { return finish(&job, .cancelled) }
                switch outcome {
                case .crashed(let reason): job.error = reason
                default: job.attempts -= 1   // a clean stop uses no attempt
                }
                update(job)
                // The server is stopping: the job stays running in the store, and the next
                // start resumes it from its saved state. Otherwise the loop retries it.
                if stopping { return }
            }
        }
    }

    /// Writes the worker's assignment (and the base checkpoint of a fine-tuning job).
    private func prepare(_ job: TrainingJob) throws -> URL {
        let request = job.request
        var base: String?
        if let version = request.baseVersion, !store.hasState(jobID: job.id) {
            let served = try registry.model(named: request.model, version: version)
            base = try store.saveBaseCheckpoint(ModelCheckpoint.encode(served.model, metadata: served.metadata), jobID: job.id).path
        }
        var dataset = request.dataset
        dataset.vectors = nil
        let worker = settings.worker
        let assignment = WorkerAssignment(
            jobID: job.id, architecture: request.architecture, baseCheckpoint: base, dataset: dataset,
            vectorsFile: request.dataset.vectors == nil ? nil : store.vectorsURL(jobID: job.id).path,
            dataRoots: settings.dataRoots.roots.map(\.path), uploads: uploads(of: dataset), training: request.training,
            stateFile: store.stateURL(jobID: job.id).path, outputFile: store.outputURL(jobID: job.id).path,
            calibrationFile: store.calibrationURL(jobID: job.id).path,
            threads: worker.threads, memoryLimitBytes: worker.memoryLimitBytes,
            yieldIntervalMicroseconds: worker.yieldIntervalMicroseconds, parentProcessID: getpid())
        return try store.saveAssignment(assignment, jobID: job.id)
    }

    /// The uploaded files `dataset` names (samples, labels), by id, for a worker that has no
    /// dataset store.
    private func uploads(of dataset: DatasetSpec) -> [String: UploadedFile]? {
        let files = dataset.uploadIDs.compactMap { id in settings.uploads(id).map { (id, $0) } }
        return files.isEmpty ? nil : Dictionary(files, uniquingKeysWith: { first, _ in first })
    }

    /// Applies a worker's report to the job, and tells subscribers of finished epochs.
    private func record(_ event: WorkerEvent, of job: inout TrainingJob) {
        switch event {
        case .started(let history):
            // The worker's saved state is the truth: an epoch the server did not hear of before
            // it stopped is in it.
            job.history = history
            job.progress.epoch = history.count
            update(job)
        case .epoch(let record):
            job.history.removeAll { $0.epoch >= record.epoch }
            job.history.append(record)
            let epochs = job.request.training.epochs
            job.progress = JobProgress(
                epoch: record.epoch, epochs: epochs, samplesPerSecond: record.samplesPerSecond,
                trainLoss: record.trainLoss, validationLoss: record.validationLoss,
                etaSeconds: Double(epochs - record.epoch) * record.seconds)
            update(job)
            notify(.epoch(job, record))
        case .finished, .failed, .stopped:
            break
        }
    }

    /// Publishes the worker's checkpoint, with the calibration it computed, as the model's next version.
    private func publish(_ job: inout TrainingJob) {
        do {
            let loaded = try ModelCheckpoint.load(contentsOf: store.outputURL(jobID: job.id))
            // Read and checked here, so that a damaged file fails the job instead of the version.
            let calibration = try CalibrationFile.load(contentsOf: store.calibrationURL(jobID: job.id))
            let served = try registry.publish(name: job.request.model, model: loaded.model, metadata: loaded.metadata,
                                              companions: calibration.map { [CalibrationFile.fileName: CalibrationFile.encode($0)] } ?? [:],
                                              activate: job.request.activate)
            let last = job.history.last
            job.result = JobResult(model: served.name, version: served.version, activated: job.request.activate,
                                   trainLoss: last?.trainLoss, validationLoss: last?.validationLoss)
            job.error = nil
            finish(&job, .succeeded)
        } catch {
            job.error = "cannot publish the trained model: \(error)"
            finish(&job, .failed)
        }
    }

    private func finish(_ job: inout TrainingJob, _ final: JobState) {
        job.state = final
        job.finishedAt = Date()
        store.removeFiles(jobID: job.id, keepingLog: final == .failed)
        update(job)
        notify(.finished(job))
    }

    /// Persists, then publishes: whatever a client can see of a job is already on disk.
    private func update(_ job: TrainingJob) {
        try? store.save(job)
        state.withLock { $0.jobs[job.id] = job }
    }

    private func notify(_ event: JobEvent) {
        let id: String
        switch event {
        case .epoch(let job, _), .finished(let job): id = job.id
        }
        let handlers = state.withLock { $0.subscribers[id].map { Array($0.values) } ?? [] }
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

// Training in worker processes: a worker that dies is retried from its last epoch, a job that
// keeps killing its worker fails instead of crash-looping, a memory limit is named, and a
// restart keeps submission order. The queue runs in process; its workers are real processes.
import AECheckpoint
import AEModel
import AEService
import AETestSupport
import AETraining
import Foundation
import Testing

@Suite("Training workers", .serialized)
struct TrainingWorkerTests {
    typealias Harness = JobQueueTests.Harness

    @Test("a worker killed with SIGKILL mid-run is restarted from its last epoch and ends with the weights of an uninterrupted run")
    func killedWorkerResumes() throws {
        let reference = try Harness()
        defer { reference.remove() }
        let q1 = try reference.queue()
        let full = try q1.submit(JobQueueTests.request(epochs: 20, samples: 512), idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil(timeout: 60) { q1.job(full.id)?.state.isFinal == true })
        q1.stop()
        let expected = try reference.registry.model(named: "small").model

        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        let job = try queue.submit(JobQueueTests.request(epochs: 20, samples: 512), idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil(timeout: 60) { (queue.job(job.id)?.progress.epoch ?? 0) >= 3 })
        let victims = ProcessTable.trainingWorkers(ofJob: job.id)
        try #require(victims.count == 1 && victims[0].parent == getpid(), "expected one worker for \(job.id): \(victims)")
        kill(victims[0].pid, SIGKILL)
        #expect(waitUntil(timeout: 60) { queue.job(job.id)?.state.isFinal == true })
        let done = try #require(queue.job(job.id))
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        #expect(done.attempts == 2)
        #expect(done.history.map(\.epoch) == Array(1...20))
        let model = try h.registry.model(named: "small").model
        #expect(model.layers.map(\.weight) == expected.layers.map(\.weight))
        #expect(model.layers.map(\.bias) == expected.layers.map(\.bias))
    }

    @Test("a job whose worker keeps dying fails after training.max_attempts, naming the signal; the queue goes on")
    func crashLoopIsImpossible() throws {
        let h = try Harness()
        defer { h.remove() }
        // A stand-in worker that dies of SIGSEGV every time, as a job that trips a bug would.
        let fake = h.root.appendingPathComponent("crashing-worker")
        try "#!/bin/sh\nkill -SEGV $$\n".write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        var settings = JobQueueSettings()
        settings.worker.maxAttempts = 3
        var queue = JobQueue(store: h.store, registry: h.registry, settings: {
            var s = settings
            s.worker.executable = fake.path
            return s
        }())
        try queue.start()
        let job = try queue.submit(JobQueueTests.request(), idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil(timeout: 30) { queue.job(job.id)?.state.isFinal == true })
        let failed = try #require(queue.job(job.id))
        #expect(failed.state == .failed)
        #expect(failed.attempts == 3)
        #expect(failed.error?.contains("training.max_attempts") == true, "\(failed.error ?? "")")
        #expect(failed.error?.contains("signal 11") == true, "\(failed.error ?? "")")
        queue.stop()

        // A restarted queue does not pick the failed job up again.
        queue = try h.queue(settings)
        defer { queue.stop() }
        #expect(queue.job(job.id)?.state == .failed)
        #expect(queue.job(job.id)?.attempts == 3)
        let next = try queue.submit(JobQueueTests.request(), idempotencyKey: nil, bodyDigest: "b").job
        #expect(waitUntil(timeout: 30) { queue.job(next.id)?.state == .succeeded })
    }

    @Test("a job over its worker's memory limit fails with a message naming the limit and the setting")
    func memoryLimit() throws {
        let h = try Harness()
        defer { h.remove() }
        var settings = JobQueueSettings()
        settings.worker.memoryLimitBytes = 384 << 20
        settings.worker.maxAttempts = 1
        let queue = try h.queue(settings)
        defer { queue.stop() }
        // 16.8 million weights: 67 MB as floats, four times that with gradients and Adam's moments.
        var request = JobQueueTests.request(epochs: 1)
        request.architecture = Architecture(kind: .autoencoder, inputDimension: 1024, encoder: [.init(units: 8192, activation: .relu)],
                                            decoder: [.init(units: 1024, activation: .sigmoid)])
        request.dataset = DatasetSpec(vectors: (0..<16).map { row in (0..<1024).map { Float(($0 + row) % 7) / 7 } })
        let job = try queue.submit(request, idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil(timeout: 60) { queue.job(job.id)?.state.isFinal == true })
        let failed = try #require(queue.job(job.id))
        #expect(failed.state == .failed)
        #expect(failed.error?.contains("training.memory_limit_bytes") == true, "\(failed.error ?? "")")
        #expect(failed.error?.contains("\(384 << 20)") == true, "\(failed.error ?? "")")
    }

    @Test("after a restart the interrupted job runs first, then queued jobs in submission order, whatever their times and ids (regression: ordered by one-second created_at, then id)")
    func restartKeepsOrder() throws {
        let h = try Harness()
        defer { h.remove() }
        let now = Date()
        func stored(_ id: String, sequence: Int, state: JobState) throws {
            var job = TrainingJob(id: id, sequence: sequence, state: state, request: JobQueueTests.request(epochs: 1),
                                  createdAt: now, progress: JobProgress(epoch: 0, epochs: 1))
            if state == .running { job.startedAt = now }
            try h.store.save(job)
        }
        // Ids sort against submission order, and every created_at is the same second.
        try stored("job-d", sequence: 1, state: .queued)
        try stored("job-c", sequence: 2, state: .queued)
        try stored("job-b", sequence: 3, state: .running)
        try stored("job-a", sequence: 4, state: .queued)
        let queue = try h.queue()
        defer { queue.stop() }
        #expect(waitUntil(timeout: 60) { queue.list().allSatisfy { $0.state == .succeeded } })
        let order = queue.list().sorted { ($0.startedAt ?? .distantFuture) < ($1.startedAt ?? .distantFuture) }.map(\.id)
        #expect(order == ["job-b", "job-d", "job-c", "job-a"])
        // A new job comes after every stored one.
        let next = try queue.submit(JobQueueTests.request(epochs: 1), idempotencyKey: nil, bodyDigest: "n").job
        #expect(next.sequence == 5)
        #expect(queue.list().first?.id == next.id)
    }

    @Test("temporary files that a killed writer left in the job folder are removed at start")
    func leftoversRemoved() throws {
        let root = try TestEnvironment.temporaryDirectory("jobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let leftover = root.appendingPathComponent(".job-x.json.tmp-123-abc")
        try Data("{".utf8).write(to: leftover)
        _ = try JobStore(root: root)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
    }
}

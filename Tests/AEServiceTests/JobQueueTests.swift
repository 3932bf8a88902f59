import AECheckpoint
import AEData
import AEMath
import AEModel
import AEService
import AETraining
import AETestSupport
import Foundation
import Testing

@Suite("JobQueue", .serialized)
struct JobQueueTests {
    struct Harness {
        let root: URL
        let registry: ModelRegistry
        let store: JobStore

        init(settings: JobQueueSettings = JobQueueSettings()) throws {
            root = try TestEnvironment.temporaryDirectory("jobs")
            registry = ModelRegistry(source: FolderModelSource(root: root.appendingPathComponent("models")))
            store = try JobStore(root: root.appendingPathComponent("state/jobs"))
        }

        func queue(_ settings: JobQueueSettings = JobQueueSettings()) throws -> JobQueue {
            let queue = JobQueue(store: store, registry: registry, settings: JobQueueTests.testable(settings))
            try queue.start()
            return queue
        }

        func unstartedQueue(_ settings: JobQueueSettings = JobQueueSettings()) throws -> JobQueue {
            let queue = JobQueue(store: store, registry: registry, settings: JobQueueTests.testable(settings))
            return queue
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// `settings` with workers run by the aeserve binary built with the tests.
    static func testable(_ settings: JobQueueSettings) -> JobQueueSettings {
        var settings = settings
        settings.worker.executable = TestEnvironment.aeserveBinary.path
        return settings
    }

    /// The status the API answers `error` with.
    static func status(_ error: any Error) -> Int? {
        (error as? JobError).map { APIError($0).status }
    }

    static func request(epochs: Int = 3, samples: Int = 64, seed: UInt64 = 7) -> TrainingJobRequest {
        var training = TrainingOptions()
        training.epochs = epochs
        training.batchSize = 8
        training.learningRate = 0.01
        training.seed = seed
        return TrainingJobRequest(model: "small", architecture: smallArchitecture,
                                  dataset: DatasetSpec(vectors: smallVectors(count: samples)), training: training)
    }

    @Test("a job runs to success, records each epoch, and its model is served at once")
    func success() throws {
        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        let (job, created) = try queue.submit(Self.request(), idempotencyKey: nil, bodyDigest: "a")
        #expect(created && job.state == .queued)
        #expect(waitUntil { queue.job(job.id)?.state.isFinal == true })
        let done = try #require(queue.job(job.id))
        #expect(done.state == .succeeded, "\(done.error ?? "")")
        #expect(done.history.count == 3 && done.progress.epoch == 3)
        #expect(done.result?.version == 1)
        #expect(try h.registry.model(named: "small").version == 1)
        // The stored JSON matches what the queue reports.
        #expect(try h.store.loadAll().first { $0.id == job.id }?.state == .succeeded)
    }

    @Test("an Idempotency-Key returns the first job for the same body and is a 409 for another body")
    func idempotency() throws {
        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        let first = try queue.submit(Self.request(), idempotencyKey: "k1", bodyDigest: "digest-1")
        let again = try queue.submit(Self.request(), idempotencyKey: "k1", bodyDigest: "digest-1")
        #expect(again.job.id == first.job.id && !again.created)
        #expect { _ = try queue.submit(Self.request(), idempotencyKey: "k1", bodyDigest: "digest-2") } throws: { error in
            Self.status(error) == 409
        }
    }

    @Test("the queue is bounded: past max_queued a submission is a 429 naming the limit and setting")
    func bounded() throws {
        let h = try Harness()
        defer { h.remove() }
        var settings = JobQueueSettings()
        settings.maxQueued = 1
        let queue = try h.queue(settings)
        defer { queue.stop() }
        let long = try queue.submit(Self.request(epochs: 500, samples: 256), idempotencyKey: nil, bodyDigest: "1")
        #expect(waitUntil { queue.job(long.job.id)?.state == .running })
        _ = try queue.submit(Self.request(), idempotencyKey: nil, bodyDigest: "2")
        #expect { _ = try queue.submit(Self.request(), idempotencyKey: nil, bodyDigest: "3") } throws: { error in
            guard let error = error as? JobError else { return false }
            return Self.status(error) == 429 && error.description.contains("training.max_queued")
        }
        _ = try queue.cancel(long.job.id)
        #expect(waitUntil { queue.job(long.job.id)?.state == .cancelled })
    }

    @Test("cancelling a queued job and a running job; a finished job cannot be cancelled")
    func cancellation() throws {
        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        let running = try queue.submit(Self.request(epochs: 500, samples: 256), idempotencyKey: nil, bodyDigest: "1").job
        let waiting = try queue.submit(Self.request(), idempotencyKey: nil, bodyDigest: "2").job
        #expect(waitUntil { queue.job(running.id)?.state == .running })
        #expect(try queue.cancel(waiting.id).state == .cancelled)
        _ = try queue.cancel(running.id)
        #expect(waitUntil { queue.job(running.id)?.state == .cancelled })
        #expect { _ = try queue.cancel(running.id) } throws: { Self.status($0) == 409 }
        #expect { _ = try queue.cancel("job-nope") } throws: { Self.status($0) == 404 }
    }

    @Test("dataset paths that are absolute, climb with .., or lie outside the data roots are refused", arguments: [
        "/etc/passwd", "../secret.csv", "fashion-mnist/../../etc/passwd", "no-such-dataset.csv",
    ])
    func confinedPaths(path: String) throws {
        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        var request = Self.request()
        request.dataset = DatasetSpec(path: path)
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "x") } throws: { error in
            guard let error = error as? JobError, let status = Self.status(error) else { return false }
            return (status == 403 || status == 422) && error.description.hasPrefix("dataset.path")
        }
    }

    @Test("contract violations are refused before queueing, naming the field")
    func invalidRequests() throws {
        let h = try Harness()
        defer { h.remove() }
        let queue = try h.queue()
        defer { queue.stop() }
        var request = Self.request()
        request.architecture = nil
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "x") } throws: { ($0 as? JobError).map { APIError($0).code } == "missing_architecture" }
        request = Self.request()
        request.training.learningRate = -1
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "x") } throws: { error in
            (error as? JobError)?.description == "training: learning_rate must be a positive number, got -1.0"
        }
        request = Self.request()
        request.model = "../evil"
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "x") } throws: { ($0 as? JobError).map { APIError($0).code } == "invalid_model_name" }
    }

    @Test("a queue stopped mid-training (as on SIGTERM) leaves the job running in the store; a new queue resumes it to the same weights as an uninterrupted run")
    func resumeAfterStop() throws {
        // Uninterrupted reference.
        let reference = try Harness()
        defer { reference.remove() }
        let q1 = try reference.queue()
        let full = try q1.submit(Self.request(epochs: 30, samples: 512), idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil { q1.job(full.id)?.state.isFinal == true })
        q1.stop()
        let expected = try reference.registry.model(named: "small").model

        let h = try Harness()
        defer { h.remove() }
        let q2 = try h.queue()
        let job = try q2.submit(Self.request(epochs: 30, samples: 512), idempotencyKey: nil, bodyDigest: "a").job
        #expect(waitUntil { (q2.job(job.id)?.progress.epoch ?? 0) >= 2 })
        q2.stop()
        let stored = try #require(try h.store.loadAll().first { $0.id == job.id })
        #expect(stored.state == .running)
        #expect(stored.progress.epoch < 30)

        let q3 = try h.queue()
        defer { q3.stop() }
        #expect(waitUntil { q3.job(job.id)?.state.isFinal == true })
        let resumed = try #require(q3.job(job.id))
        #expect(resumed.state == .succeeded)
        #expect(resumed.resumed == 1)
        let model = try h.registry.model(named: "small").model
        #expect(model.layers.map(\.weight) == expected.layers.map(\.weight))
        #expect(model.layers.map(\.bias) == expected.layers.map(\.bias))
    }
}

@Suite("JobQueue limits")
struct JobQueueLimitTests {
    @Test("a job whose model or epochs exceed the limits is refused, naming the setting")
    func limits() throws {
        let root = try TestEnvironment.temporaryDirectory("jobs")
        defer { try? FileManager.default.removeItem(at: root) }
        let registry = ModelRegistry(source: FolderModelSource(root: root.appendingPathComponent("models")))
        var settings = JobQueueSettings()
        settings.limits.maxParameters = 100
        settings.limits.maxEpochs = 5
        let queue = JobQueue(store: try JobStore(root: root.appendingPathComponent("jobs")), registry: registry,
                             settings: JobQueueTests.testable(settings))
        var request = JobQueueTests.request(epochs: 3)
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "a") } throws: { error in
            (error as? JobError)?.description.contains("setting training.max_parameters") == true
        }
        request.architecture = Architecture(kind: .autoencoder, inputDimension: 8, encoder: [.init(units: 2, activation: .linear)],
                                            decoder: [.init(units: 8, activation: .sigmoid)])
        request.training.epochs = 6
        #expect { _ = try queue.submit(request, idempotencyKey: nil, bodyDigest: "b") } throws: { error in
            (error as? JobError)?.description.contains("setting training.max_epochs") == true
        }
    }
}

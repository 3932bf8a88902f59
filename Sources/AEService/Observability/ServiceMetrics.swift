// Prometheus metrics through swift-metrics with a per-service factory (no global bootstrap,
// so several services can live in one process, as in tests).
import AEModel
import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The service's metrics and their Prometheus exposition.
public final class ServiceMetrics: Sendable {
    /// The registry behind /metrics.
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// Metrics with aeserve's histogram buckets.
    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        // Rows per merged product of dynamic batching: powers of two up to the largest max_batch.
        factory.valueHistogramBuckets["aeserve_inference_batch_rows"] = (0...16).map { Double(1 << $0) }
        // Anomaly scores: 1, 2.5, 5 per decade from 1e-5 to 1e3 (MSE of [0, 1] data sits near
        // 1e-3 to 1e-1; ELBO scores reach further), and the hybrid score's range: a sum of two
        // standardised logs, negative for most normal vectors, its 0.99 quantile near 3 to 5.
        let decades = (-5...3).flatMap { decade in [1, 2.5, 5].map { $0 * pow(10, Double(decade)) } }
        let hybrid: [Double] = [-10, -5, -2.5, -1, 0, 2, 3, 4, 6, 8, 15, 20]
        factory.valueHistogramBuckets["aeserve_anomaly_score"] = Set(decades + hybrid).sorted()
        self.factory = factory
    }

    /// Records the row count of one product run by dynamic batching.
    func batchRan(rows: Int) {
        batchRows.handle(for: "") { Recorder(label: "aeserve_inference_batch_rows", factory: factory) }.record(rows)
    }

    /// The request metrics of one route pattern, method and status.
    private struct RequestKey: Hashable {
        var route: String, method: String, status: Int
    }

    // The metrics recorded on every request, made once per label set (see HandleCache).
    private let requestMetrics = HandleCache<RequestKey, (CoreMetrics.Counter, CoreMetrics.Timer)>()
    private let vectorCounters = HandleCache<String, CoreMetrics.Counter>()
    private let batchRows = HandleCache<String, CoreMetrics.Recorder>()
    private let scoreMetrics = HandleCache<ScoreKey, (CoreMetrics.Recorder, CoreMetrics.Counter)>()

    /// The score metrics of one model version and score kind.
    private struct ScoreKey: Hashable {
        var model: String, version: Int, kind: String
    }

    /// Records each score in the score histogram and counts the anomalies among them, by model,
    /// version and score kind, so an alert can watch the anomaly rate:
    /// rate(aeserve_anomalies_total[5m]) / rate(aeserve_anomaly_score_count[5m]).
    func scored(_ scores: [Float], anomalies: Int, model: String, version: Int, kind: ScoreKind) {
        let (histogram, counter) = scoreMetrics.handle(for: ScoreKey(model: model, version: version, kind: kind.rawValue)) {
            let dimensions = [("model", model), ("version", String(version)), ("score", kind.rawValue)]
            return (Recorder(label: "aeserve_anomaly_score", dimensions: dimensions, factory: factory),
                    Counter(label: "aeserve_anomalies_total", dimensions: dimensions, factory: factory))
        }
        for score in scores { histogram.record(Double(score)) }
        counter.increment(by: anomalies)
    }

    /// Counts a request and records its latency, both labelled by route pattern (not raw path),
    /// method and status, so the latency of errors is told apart from that of answers.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let (counter, timer) = requestMetrics.handle(for: RequestKey(route: route, method: method, status: status)) {
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            return (Counter(label: "aeserve_http_requests_total", dimensions: dimensions, factory: factory),
                    Timer(label: "aeserve_http_request_duration_seconds", dimensions: dimensions, factory: factory))
        }
        counter.increment()
        timer.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000
                                + Int64(duration.components.attoseconds / 1_000_000_000))
    }

    /// Counts vectors served by an operation.
    func vectorsServed(_ count: Int, operation: String) {
        vectorCounters.handle(for: operation) {
            Counter(label: "aeserve_vectors_total", dimensions: [("operation", operation)], factory: factory)
        }.increment(by: count)
    }

    func record(_ event: RegistryEvent) {
        switch event {
        case .refused:
            Counter(label: "aeserve_checkpoints_refused_total", factory: factory).increment()
        case .loaded, .removed, .activated, .unloaded, .skipped, .unreadable:
            break
        }
    }

    func record(_ event: JobEvent) {
        if case let .epoch(job, record) = event {
            let dimensions = [("model", job.request.model)]
            Gauge(label: "aeserve_training_samples_per_second", dimensions: dimensions, factory: factory).record(record.samplesPerSecond)
            Gauge(label: "aeserve_training_loss", dimensions: dimensions + [("split", "train")], factory: factory).record(record.trainLoss)
            if let validation = record.validationLoss {
                Gauge(label: "aeserve_training_loss", dimensions: dimensions + [("split", "validation")], factory: factory).record(validation)
            }
        }
    }

    /// Sets the served-version gauge of every model.
    func updateServedModels(_ registry: ModelRegistry) {
        for entry in registry.snapshot() {
            Gauge(label: "aeserve_model_served_version", dimensions: [("model", entry.name)], factory: factory)
                .record(Double(entry.active.version))
        }
    }

    /// Sets the jobs-by-state gauge.
    func updateJobs(_ jobs: JobQueue) {
        let all = jobs.list()
        for state in JobState.allCases {
            Gauge(label: "aeserve_training_jobs", dimensions: [("state", state.rawValue)], factory: factory)
                .record(Double(all.filter { $0.state == state }.count))
        }
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Metric handles made once per label set and kept: the factory looks the labels up in the
/// registry (hashing and checking them) on every call, ≈ 2.5 % of a small request's CPU.
/// Only for label sets that stay few (route patterns, operations), never raw input.
private final class HandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])

    /// The handle for `key`, made by `make` the first time.
    func handle(for key: Key, _ make: () -> Handle) -> Handle {
        handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }
}

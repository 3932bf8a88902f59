// Dynamic batching, as Triton's `dynamic_batching`: concurrent requests for one model version
// and operation wait (at most a maximum delay) to be merged into one matrix product, and each
// gets exactly its own rows back. Many one-vector requests then share one sgemm.
import AEMath
import AEModel
import Dispatch
import Synchronization

/// The settings of dynamic batching (`inference.dynamic_batching.*`).
public struct DynamicBatchingSettings: Sendable, Equatable {
    /// Whether requests are merged at all; off, every request runs on its own.
    public var enabled = false
    /// The most rows one merged product takes; a request with this many rows runs alone.
    public var maxBatch = 64
    /// How long the first request of a batch waits for others, in microseconds.
    public var maxDelayMicroseconds = 150

    public init(enabled: Bool = false, maxBatch: Int = 64, maxDelayMicroseconds: Int = 150) {
        self.enabled = enabled
        self.maxBatch = maxBatch
        self.maxDelayMicroseconds = maxDelayMicroseconds
    }
}

/// What the model computes for a batch.
enum BatchOperation: String, Sendable {
    /// Latent (and log-variance for a variational model).
    case encode
    /// Reconstruction from latent rows.
    case decode
    /// Latent, log-variance, reconstruction and the per-row mean squared error.
    case reconstruct
}

/// The rows of one request's result; which fields are set depends on the operation.
struct BatchOutput: Sendable {
    var latent: Matrix<Float>?
    var logVariance: Matrix<Float>?
    var reconstruction: Matrix<Float>?
    var errors: [Float] = []
}

/// Merges concurrent requests per model version and operation.
final class DynamicBatcher: Sendable {
    private struct Waiter: Sendable {
        var input: Matrix<Float>
        var busy: Bool
        var continuation: CheckedContinuation<BatchOutput, Never>
    }

    private struct Pending {
        var waiters: [Waiter] = []
        var rows = 0
        /// Whether a timer will flush the queue; true whenever `waiters` is not empty.
        var timerArmed = false

        /// The oldest requests that fit in `maxBatch` rows (at least one).
        mutating func take(_ maxBatch: Int) -> [Waiter] {
            var count = 0, rows = 0
            while count < waiters.count, count == 0 || rows + waiters[count].input.rows <= maxBatch {
                rows += waiters[count].input.rows
                count += 1
            }
            let batch = Array(waiters.prefix(count))
            waiters.removeFirst(count)
            self.rows -= rows
            return batch
        }
    }

    /// The queue of one model version and operation.
    private final class Queue: Sendable {
        let served: ServedModel
        let operation: BatchOperation
        let pending = Mutex(Pending())

        init(served: ServedModel, operation: BatchOperation) {
            self.served = served
            self.operation = operation
        }
    }

    /// The settings it runs with.
    let settings: DynamicBatchingSettings
    private let queues = Mutex<[String: Queue]>([:])
    /// Called with the row count of every product run while batching is on.
    private let onBatch: @Sendable (Int) -> Void
    /// The cores a product may use: all of them alone, `sharedWidth` beside other requests.
    let policy: ComputePolicy

    /// A batcher with `settings` computing under `policy`; `onBatch` sees each merged batch's
    /// row count (for metrics).
    init(settings: DynamicBatchingSettings, policy: ComputePolicy = .current,
         onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.settings = settings
        self.policy = policy
        self.onBatch = onBatch
    }

    /// Runs `operation` of `served` on `input` (`[rows, width]`), merged with concurrent
    /// requests when batching is on. `busy` (`Service.isBusy`) keeps a one-vector request that
    /// runs on its own on one core. `company`: how many other requests the server had in
    /// flight when this one came, an upper bound on how many could join it soon.
    func run(_ operation: BatchOperation, _ served: ServedModel, _ input: Matrix<Float>, busy: Bool = false,
             company: Int = .max) async -> BatchOutput {
        guard settings.enabled else { return computeAlone(operation, served.model, input, busy: busy) }
        // A product of fewer rows than Gemm.gemvRowsBelow is a gemv per row, as unmerged; when
        // no more rows than that could join, waiting for them would only add the delay.
        guard input.rows < settings.maxBatch, company >= Gemm.gemvRowsBelow - input.rows
        else {
            onBatch(input.rows)
            return computeAlone(operation, served.model, input, busy: busy)
        }
        let queue = self.queue(served, operation)
        let maxBatch = settings.maxBatch
        return await withCheckedContinuation { continuation in
            let (full, arm) = queue.pending.withLock { pending -> ([Waiter]?, Bool) in
                pending.waiters.append(Waiter(input: input, busy: busy, continuation: continuation))
                pending.rows += input.rows
                if pending.rows >= maxBatch { return (pending.take(maxBatch), false) }
                if pending.timerArmed { return (nil, false) }
                pending.timerArmed = true
                return (nil, true)
            }
            // A full batch runs at once on this thread; the timer picks up whatever is left.
            if let full { execute(full, on: queue) }
            if arm {
                DispatchQueue.global(qos: .userInitiated)
                    .asyncAfter(deadline: .now() + .microseconds(settings.maxDelayMicroseconds)) { [self] in
                        flush(queue)
                    }
            }
        }
    }

    /// The timer: runs everything queued, in batches of at most `maxBatch` rows, then disarms.
    private func flush(_ queue: Queue) {
        while true {
            let batch = queue.pending.withLock { pending -> [Waiter] in
                if pending.waiters.isEmpty {
                    pending.timerArmed = false
                    return []
                }
                return pending.take(settings.maxBatch)
            }
            if batch.isEmpty { return }
            execute(batch, on: queue)
        }
    }

    /// One product over the waiters' rows stacked, each waiter resumed with its own rows.
    private func execute(_ batch: [Waiter], on queue: Queue) {
        let width = batch[0].input.columns
        let rows = batch.reduce(0) { $0 + $1.input.rows }
        onBatch(rows)
        if batch.count == 1 {
            // Nobody came: it runs as it would unmerged.
            let waiter = batch[0]
            waiter.continuation.resume(returning: computeAlone(queue.operation, queue.served.model, waiter.input,
                                                                    busy: waiter.busy))
            return
        }
        var values: [Float] = []
        values.reserveCapacity(rows * width)
        for waiter in batch { values += waiter.input.storage }
        let merged = Matrix(rows: rows, columns: width, values: values)
        // Merged products come from many concurrent requests, so the other cores are busy with
        // their HTTP and JSON work: one core per product serves them better than a split.
        let output = policy.withWidth(policy.sharedWidth) { Self.compute(queue.operation, queue.served.model, merged) }
        var start = 0
        for waiter in batch {
            let range = start ..< start + waiter.input.rows
            start += waiter.input.rows
            waiter.continuation.resume(returning: BatchOutput(
                latent: output.latent.map { Self.rows(range, of: $0) },
                logVariance: output.logVariance.map { Self.rows(range, of: $0) },
                reconstruction: output.reconstruction.map { Self.rows(range, of: $0) },
                errors: output.errors.isEmpty ? [] : Array(output.errors[range])))
        }
    }

    private func queue(_ served: ServedModel, _ operation: BatchOperation) -> Queue {
        // The checksum keeps a version rewritten in place (and reloaded) apart from the old one.
        let key = "\(served.name)\u{0}\(served.version)\u{0}\(served.sha256)\u{0}\(operation.rawValue)"
        return queues.withLock { queues in
            if let queue = queues[key] { return queue }
            let queue = Queue(served: served, operation: operation)
            queues[key] = queue
            return queue
        }
    }

    private static func rows(_ range: Range<Int>, of matrix: Matrix<Float>) -> Matrix<Float> {
        let width = matrix.columns
        return Matrix(rows: range.count, columns: width,
                      values: Array(matrix.storage[range.lowerBound * width ..< range.upperBound * width]))
    }

    /// A request computed on its own. A one-vector request on a busy server stays on one core:
    /// the other cores are serving other requests (and the sockets), and splitting it only
    /// adds handoffs (64 connections on 2 cores: 14,500 requests/s split, 19,000 not). The
    /// one-vector split is fixed by the policy's cores, so the bits are the same either way.
    private func computeAlone(_ operation: BatchOperation, _ model: Autoencoder<Float>, _ input: Matrix<Float>,
                              busy: Bool) -> BatchOutput {
        guard busy && input.rows == 1 else { return Self.compute(operation, model, input) }
        return policy.withWidth(policy.sharedWidth) { Self.compute(operation, model, input) }
    }

    /// The unbatched computation, the same calls the endpoints made before batching existed.
    static func compute(_ operation: BatchOperation, _ model: Autoencoder<Float>, _ input: Matrix<Float>) -> BatchOutput {
        switch operation {
        case .encode:
            let (latent, logVariance) = model.encode(input)
            return BatchOutput(latent: latent, logVariance: logVariance)
        case .decode:
            return BatchOutput(reconstruction: model.decode(input))
        case .reconstruct:
            // As Autoencoder.reconstruct: decode the (mean) latent, then each row's MSE.
            let (latent, logVariance) = model.encode(input)
            let reconstruction = model.decode(latent)
            return BatchOutput(latent: latent, logVariance: logVariance, reconstruction: reconstruction,
                               errors: Loss.rowMeanSquaredErrors(prediction: reconstruction, target: input))
        }
    }
}

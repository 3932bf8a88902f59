// Splits large elementwise loops across cores; BLAS threads are idle between products,
// so sigmoid, Adam and friends would otherwise run on one core of two.
import Dispatch

/// Runs elementwise work on large ranges in parallel chunks.
public enum Parallel {
    /// Work below this many elements runs inline: dispatch costs more than it saves.
    public static let minimumParallelCount = 1 << 15

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when `count` is large.
    @inlinable
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let chunks = count >= minimumParallelCount ? BLAS.threadCount : 1
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let size = (count + chunks - 1) / chunks
        // concurrentPerform returns only when every chunk is done and the chunks are disjoint,
        // so sharing the non-Sendable body (and the buffers it captures) is safe here.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let start = c * size
                if start < count { shared.value(start..<min(start + size, count)) }
            }
        }
    }
}

/// A value handed across threads where the caller guarantees exclusive, bounded use.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}

// Splits large loops and products across cores. One width for the whole process, set by
// BLAS.setThreadCount; each block runs on its own core through Dispatch.
import Dispatch
import Foundation
import Synchronization

/// Runs work on large ranges in parallel blocks.
public enum Parallel {
    /// Elementwise work below this many elements runs inline: dispatch costs more than it saves.
    public static let minimumParallelCount = 1 << 15

    private static let storedWidth = Atomic<Int>(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// A width for the current task only (tests, or a caller that wants one core), over the
    /// process-wide one.
    @TaskLocal public static var taskWidth: Int?

    /// How many blocks large work is split into (the cores the math may use).
    public static var width: Int {
        get { taskWidth ?? storedWidth.load(ordering: .relaxed) }
        set { storedWidth.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when `count` is large.
    @inlinable
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(count, blocks: count >= minimumParallelCount ? width : 1, minimum: 1, body)
    }

    /// Calls `body` on up to `blocks` disjoint blocks of at least `minimum` elements covering
    /// `0..<count`, in parallel when there is more than one.
    @inlinable
    public static func forEachBlock(_ count: Int, blocks: Int, minimum: Int, _ body: (Range<Int>) -> Void) {
        let blocks = max(1, min(blocks, count / max(minimum, 1)))
        if blocks == 1 {
            body(0..<count)
            return
        }
        let size = (count + blocks - 1) / blocks
        // concurrentPerform returns only when every block is done and the blocks are disjoint,
        // so sharing the non-Sendable body (and the buffers it captures) is safe here.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: blocks) { index in
                let start = index * size
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

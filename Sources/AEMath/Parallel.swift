// Splits large loops and products across cores. One width for the whole process, set by
// BLAS.setThreadCount; blocks run on the caller and SpinPool's helper threads.
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
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(count, blocks: count >= minimumParallelCount ? width : 1, minimum: 1, body)
    }

    /// Calls `body` on up to `blocks` disjoint blocks of at least `minimum` elements covering
    /// `0..<count`, in parallel when there is more than one.
    public static func forEachBlock(_ count: Int, blocks: Int, minimum: Int, _ body: (Range<Int>) -> Void) {
        let blocks = max(1, min(blocks, count / max(minimum, 1)))
        if blocks == 1 {
            body(0..<count)
            return
        }
        let size = (count + blocks - 1) / blocks
        func block(_ index: Int) {
            let start = index * size
            if start < count { body(start..<min(start + size, count)) }
        }
        if SpinPool.shared.run(blocks: blocks, block) { return }
        // Another caller holds the pool, so the cores are busy already (concurrent requests):
        // run the blocks here rather than queue for a second core. Block by block, not as one
        // range, so a product is split the same way either way and gives the same bits.
        for index in 0..<blocks { block(index) }
    }
}

/// A value handed across threads where the caller guarantees exclusive, bounded use.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

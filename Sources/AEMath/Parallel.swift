// Splits large loops and products across cores. One width for the whole process, set only by
// ComputePolicy.install; blocks run on the caller and SpinPool's helper threads.
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
    public static var width: Int { taskWidth ?? storedWidth.load(ordering: .relaxed) }

    /// Sets the process-wide width; `ComputePolicy.install` is its only caller.
    static func setProcessWidth(_ width: Int) {
        storedWidth.store(max(1, width), ordering: .relaxed)
    }

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when `count` is large.
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        forEachBlock(count, blocks: count >= minimumParallelCount ? width : 1, minimum: 1, body)
    }

    /// Calls `body` on up to `blocks` disjoint blocks of at least `minimum` elements covering
    /// `0..<count`, in parallel when there is more than one.
    public static func forEachBlock(_ count: Int, blocks: Int, minimum: Int, _ body: (Range<Int>) -> Void) {
        let blocks = blockCount(count, blocks: blocks, minimum: minimum)
        if blocks == 1 {
            body(0..<count)
            return
        }
        func block(_ index: Int) {
            let range = blockRange(index, of: blocks, covering: count)
            if !range.isEmpty { body(range) }
        }
        if SpinPool.shared.run(blocks: blocks, block) { return }
        // Another caller holds the pool, so the cores are busy already (concurrent requests):
        // run the blocks here rather than queue for a second core. Block by block, not as one
        // range, so a product is split the same way either way and gives the same bits.
        for index in 0..<blocks { block(index) }
    }
}

extension Parallel {
    /// How many blocks `forEachBlock` makes of `count` elements: up to `blocks`, none smaller
    /// than `minimum`.
    public static func blockCount(_ count: Int, blocks: Int, minimum: Int) -> Int {
        max(1, min(blocks, count / max(minimum, 1)))
    }

    /// Block `index` of `blocks` equal blocks (the last one shorter) covering `0..<count`.
    public static func blockRange(_ index: Int, of blocks: Int, covering count: Int) -> Range<Int> {
        let size = (count + blocks - 1) / blocks
        return min(index * size, count)..<min((index + 1) * size, count)
    }

    /// Calls `body(phase, block)` for each of `blocks` blocks of each phase, finishing every
    /// block of a phase before the next phase starts, in parallel when `blocks` > 1 and the
    /// current width allows.
    ///
    /// For a chain of steps too small to hand to another core one by one (the layers of a
    /// one-vector forward pass): the whole chain is a single handoff. `body` gets the same
    /// (phase, block) pairs whichever thread runs them, so results do not depend on timing.
    public static func forEachPhase(_ phases: Int, blocks: Int, _ body: (_ phase: Int, _ block: Int) -> Void) {
        if phases > 0 && blocks > 1 && width > 1 && SpinPool.shared.run(phases: phases, blocks: blocks, body) { return }
        for phase in 0..<phases {
            for block in 0..<blocks { body(phase, block) }
        }
    }
}

/// A value handed across threads where the caller guarantees exclusive, bounded use.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

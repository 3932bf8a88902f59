// A pool of helper threads that spin briefly between jobs, so a job of a few microseconds
// (one layer of a one-vector request) can use a second core: waking a parked Dispatch
// worker costs 5–20 µs, more than the work. Blocks are claimed by index, so the caller
// also takes blocks and a late helper never makes a job slower than running it alone.
import Foundation
import Synchronization

/// Runs the blocks of one job at a time across the caller and helper threads.
final class SpinPool: @unchecked Sendable {
    /// The process-wide pool, started at its first use with the helpers of the policy then in
    /// force (`ComputePolicy.helperThreads`: one per core beyond the caller's).
    static let shared = SpinPool(helpers: ComputePolicy.current.helperThreads)

    /// Loads a helper makes while waiting for a job before it parks (tens of microseconds).
    private static let spinLimit = 100_000
    private static let indexBits = 16

    private let busy = Atomic<Bool>(false)
    /// generation << indexBits | next block index: claiming a block checks the generation in
    /// the same atomic step, so a helper that saw an old job can never run a block of a newer one.
    private let state = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let blocksInJob = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    /// The current job. Written before the generation is bumped and left alone until every block
    /// is done, so whoever holds a claimed block reads a stable value.
    private let job = UnsafeMutablePointer<(blocks: Int, body: UncheckedSendable<(Int) -> Void>)?>.allocate(capacity: 1)

    private init(helpers: Int) {
        job.initialize(to: nil)
        for index in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.name = "aeserve-math-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(0..<blocks)` across the caller and the helpers and returns when all are
    /// done; false (and nothing run) when another thread is using the pool.
    func run(blocks: Int, _ body: (Int) -> Void) -> Bool {
        precondition(blocks < 1 << Self.indexBits, "too many blocks for one job")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job.pointee = (blocks, UncheckedSendable(body))
            blocksInJob.store(blocks, ordering: .relaxed)
            unfinished.store(blocks, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> Self.indexBits) &+ 1
            state.store(generation << Self.indexBits, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { wakeUp.signal() }
            work(generation: generation)
            while unfinished.load(ordering: .acquiring) > 0 {}
            job.pointee = nil
        }
        return true
    }

    /// Runs `body(phase, block)` for every phase in order and every block of it, with all
    /// blocks of a phase finished before any block of the next starts; false (and nothing run)
    /// when another thread is using the pool.
    ///
    /// One job for a chain of small steps (the layers of a one-vector forward pass) costs one
    /// handoff instead of one per step. Blocks are claimed in order, so a block waiting for the
    /// previous phase only waits for blocks that threads are running: a helper that is late or
    /// preempted between blocks never holds the others up.
    func run(phases: Int, blocks: Int, _ body: (_ phase: Int, _ block: Int) -> Void) -> Bool {
        let total = phases * blocks
        return run(blocks: total) { index in
            let phase = index / blocks
            if phase > 0 { while unfinished.load(ordering: .acquiring) > total - phase * blocks {} }
            body(phase, index % blocks)
        }
    }

    /// Claims and runs blocks of job `generation` until none are left.
    private func work(generation: Int) {
        guard let first = claim(generation) else { return }
        runClaimed(from: first, generation: generation)
        // The last block run counts as done only now, after that thread's copy of the job is gone.
        unfinished.wrappingSubtract(1, ordering: .releasing)
    }

    /// The next block of job `generation`, or nil when none is left (or a newer job started).
    private func claim(_ generation: Int) -> Int? {
        while true {
            let current = state.load(ordering: .acquiring)
            guard current >> Self.indexBits == generation else { return nil }
            let index = current & (1 << Self.indexBits - 1)
            guard index < blocksInJob.load(ordering: .acquiring) else { return nil }
            if state.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged {
                return index
            }
        }
    }

    /// Runs block `first` and then each next block it claims, all with one copy of the job (one
    /// reference count on the caller's closure, not one per block from every core). The job is
    /// read only while a claimed block is unfinished: until then, its caller keeps it alive.
    /// Each block is marked done once the next is claimed; the last is left to `work`.
    @inline(never)
    private func runClaimed(from first: Int, generation: Int) {
        guard let job = job.pointee else { return }
        var index = first
        while true {
            job.body.value(index)
            guard let next = claim(generation) else { return }
            unfinished.wrappingSubtract(1, ordering: .releasing)
            index = next
        }
    }

    private func helperLoop() {
        var seen = state.load(ordering: .acquiring) >> Self.indexBits
        while true {
            var spins = 0
            while state.load(ordering: .acquiring) >> Self.indexBits == seen {
                spins += 1
                if spins < Self.spinLimit { continue }
                // Park: announce it, then look once more, so a job posted in between is seen
                // either here or through the signal.
                sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                if state.load(ordering: .sequentiallyConsistent) >> Self.indexBits == seen { wakeUp.wait() }
                sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = state.load(ordering: .acquiring) >> Self.indexBits
            work(generation: seen)
        }
    }
}

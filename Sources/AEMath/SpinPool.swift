// A pool of helper threads that spin briefly between jobs, so a job of a few microseconds
// (one layer of a one-vector request) can use a second core: waking a parked Dispatch
// worker costs 5–20 µs, more than the work. Blocks are claimed by index, so the caller
// also takes blocks and a late helper never makes a job slower than running it alone.
import Foundation
import Synchronization

/// Runs the blocks of one job at a time across the caller and helper threads.
final class SpinPool: @unchecked Sendable {
    /// The process-wide pool: one helper per core beyond the first.
    static let shared = SpinPool(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Loads a helper makes while waiting for a job before it parks (tens of microseconds).
    private static let spinLimit = 100_000
    private static let indexBits = 16
    /// Loads the caller of a phased job makes waiting for helpers to join (about a microsecond):
    /// a spinning helper joins in far less, a parked one is not worth waiting for.
    private static let joinLimit = 20_000
    private static let closed = 1 << (indexBits - 1)
    private static let seatMask = closed - 1

    private let helpers: Int
    private let busy = Atomic<Bool>(false)
    /// generation << indexBits | next block index: claiming a block checks the generation in
    /// the same atomic step, so a helper that saw an old job can never run a block of a newer one.
    private let state = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let blocksInJob = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// For a phased job: generation << indexBits | closed flag | participants so far. Helpers
    /// join while it is open; the caller closes it before the first phase, fixing the gang.
    private let seats = Atomic<Int>(0)
    /// Phases finished, summed over the gang's members: the barrier between phases.
    private let arrivals = Atomic<Int>(0)
    private let phasedJob = UnsafeMutablePointer<(phases: Int, blocks: Int, body: UncheckedSendable<(Int, Int) -> Void>)?>
        .allocate(capacity: 1)
    private let wakeUp = DispatchSemaphore(value: 0)
    /// The current job. Written before the generation is bumped and left alone until every block
    /// is done, so whoever holds a claimed block reads a stable value.
    private let job = UnsafeMutablePointer<(blocks: Int, body: UncheckedSendable<(Int) -> Void>)?>.allocate(capacity: 1)

    private init(helpers: Int) {
        self.helpers = helpers
        job.initialize(to: nil)
        phasedJob.initialize(to: nil)
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
    /// handoff instead of one per step. Helpers that arrive within a short wait join the gang;
    /// block `b` runs on member `b % gang size`, so a gang of one runs exactly the same blocks.
    func run(phases: Int, blocks: Int, _ body: (_ phase: Int, _ block: Int) -> Void) -> Bool {
        precondition(phases > 0 && blocks > 0, "a phased job needs at least one phase and one block")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            phasedJob.pointee = (phases, blocks, UncheckedSendable(body))
            arrivals.store(0, ordering: .relaxed)
            blocksInJob.store(0, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> Self.indexBits) &+ 1
            let tag = generation << Self.indexBits
            seats.store(tag | 1, ordering: .sequentiallyConsistent)
            state.store(tag, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { wakeUp.signal() }
            let wanted = min(blocks, helpers + 1)
            var waited = 0
            while seats.load(ordering: .acquiring) & Self.seatMask < wanted && waited < Self.joinLimit { waited += 1 }
            let gang = seats.bitwiseOr(Self.closed, ordering: .acquiringAndReleasing).oldValue & Self.seatMask
            runPhases(member: 0, gang: gang)
            while arrivals.load(ordering: .acquiring) < phases * gang {}
            phasedJob.pointee = nil
        }
        return true
    }

    /// One member's share of the phased job: its blocks of each phase, with the barrier
    /// between phases. The caller waits for the last arrival itself; a helper touches nothing
    /// after its own.
    private func runPhases(member: Int, gang: Int) {
        runShare(member: member, gang: gang)
        arrivals.wrappingAdd(1, ordering: .releasing)
    }

    /// Everything of a member's share up to its last arrival. Its one copy of the job (one
    /// reference count on the caller's closure, not one per phase from two cores) ends here.
    @inline(never)
    private func runShare(member: Int, gang: Int) {
        guard let job = phasedJob.pointee else { return }
        for phase in 0..<job.phases {
            for block in stride(from: member, to: job.blocks, by: gang) { job.body.value(phase, block) }
            guard phase + 1 < job.phases else { return }
            arrivals.wrappingAdd(1, ordering: .acquiringAndReleasing)
            while arrivals.load(ordering: .acquiring) < (phase + 1) * gang {}
        }
    }

    /// Takes a seat in phased job `generation` if it is still open, then waits for the caller to
    /// close the gang and runs this member's share.
    private func join(generation: Int) {
        var current = seats.load(ordering: .acquiring)
        while current >> Self.indexBits == generation && current & Self.closed == 0 {
            let (exchanged, original) = seats.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                var closedSeats = seats.load(ordering: .acquiring)
                while closedSeats & Self.closed == 0 { closedSeats = seats.load(ordering: .acquiring) }
                runPhases(member: current & Self.seatMask, gang: closedSeats & Self.seatMask)
                return
            }
            current = original
        }
    }

    /// Claims and runs blocks of job `generation` until none are left. The job itself is read
    /// only while holding a claimed block: until that block is done, its caller keeps it alive.
    private func work(generation: Int) {
        while true {
            let current = state.load(ordering: .acquiring)
            guard current >> Self.indexBits == generation else { return }
            let index = current & (1 << Self.indexBits - 1)
            guard index < blocksInJob.load(ordering: .acquiring) else { return }
            guard state.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged
            else { continue }
            runBlock(index)
            unfinished.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// Runs one claimed block; its copy of the job ends here, before the block counts as done.
    @inline(never)
    private func runBlock(_ index: Int) {
        job.pointee?.body.value(index)
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
            join(generation: seen)
        }
    }
}

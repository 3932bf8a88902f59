// Whether the process already keeps more than a core busy, from the process CPU clock sampled
// every few milliseconds. A one-vector request's math is split over the cores only when it is
// not: on a busy server the other cores are serving other requests (and the socket thread), and a
// split then costs throughput (one-vector /reconstruct at 64 connections on 2 cores: 14,500
// requests/s split, 19,500 on one core each) for a latency gain nobody sees.
import Foundation
import Synchronization

/// The process's recent CPU use: whether it averaged more than one core lately.
final class ProcessLoad: Sendable {
    private struct Sample {
        var wall: UInt64 = 0
        var cpu: UInt64 = 0
    }

    /// How often the CPU clock is read, in nanoseconds.
    static let interval: UInt64 = 2_000_000

    private let last = Mutex(Sample())
    private let busy = Atomic<Bool>(false)
    private let nextSample = Atomic<UInt64>(0)

    /// Whether the process used more than one core on average over the last interval.
    var isBusy: Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        if now >= nextSample.load(ordering: .relaxed) { sample(now) }
        return busy.load(ordering: .relaxed)
    }

    private func sample(_ now: UInt64) {
        // Whoever gets the lock samples; the others use the last verdict.
        _ = last.withLockIfAvailable { last in
            guard now >= nextSample.load(ordering: .relaxed) else { return }
            let cpu = Self.processCPUNanoseconds()
            if last.wall != 0 && now > last.wall {
                busy.store(cpu &- last.cpu > now - last.wall, ordering: .relaxed)
            }
            last = Sample(wall: now, cpu: cpu)
            nextSample.store(now + Self.interval, ordering: .relaxed)
        }
    }

    private static func processCPUNanoseconds() -> UInt64 {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

// A point on the monotonic clock, for the connection timers.
import Glibc

/// A monotonic time in nanoseconds (CLOCK_MONOTONIC), unaffected by wall-clock changes.
public struct Deadline: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current monotonic time.
    public static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    /// This time plus `duration` (negative durations count as zero).
    public func adding(_ duration: Duration) -> Deadline {
        Deadline(nanoseconds: nanoseconds &+ duration.nanoseconds)
    }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}

extension Duration {
    /// Whole nanoseconds, clamped at zero.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

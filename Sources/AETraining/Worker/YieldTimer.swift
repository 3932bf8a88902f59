// Makes a training thread step aside every 100 µs. On the 2-vCPU VM this was measured on, a
// CPU-bound thread, even at SCHED_IDLE, held woken request threads off its core for
// milliseconds: one-vector /encode at 4 connections had a p99 of 0.35 ms idle and 1.3–6 ms
// beside a SCHED_IDLE busy loop. A timer signal to the busy thread whose handler calls
// sched_yield() brought the p99 back to 0.34–0.36 ms; the same signal without the yield, a
// duty cycle of 2 ms on and 2 ms off, or a nice value instead of SCHED_IDLE did not.
import CLinux
import Glibc

/// A timer that interrupts the thread that made it every `interval` with a signal whose
/// handler yields the core to any thread waiting for it.
public final class YieldTimer {
    /// The real-time signal used; its handler only calls sched_yield().
    static let signal = __libc_current_sigrtmin() + 3

    /// Installs the handler once per process.
    private static let handlerInstalled: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in _ = sched_yield() }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        return sigaction(signal, &action, nil) == 0
    }()

    /// nil when there is no timer; .some(id) otherwise (the id itself may be a nil pointer).
    private let timer: timer_t??
    private let interval: Int

    /// A timer for the calling thread, disarmed. Where the system refuses one, arming does
    /// nothing and training simply runs without it.
    public init(intervalMicroseconds: Int = 100) {
        interval = intervalMicroseconds
        timer = Self.makeTimer()
    }

    private static func makeTimer() -> timer_t?? {
        guard handlerInstalled, let thread = currentThreadID() else { return nil }
        // Threads start with their creator's mask, and the server blocks most signals.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, signal)
        guard pthread_sigmask(SIG_UNBLOCK, &mask, nil) == 0 else { return nil }
        var event = sigevent()
        event.sigev_notify = Int32(SIGEV_THREAD_ID)
        event.sigev_signo = signal
        event._sigev_un._tid = thread
        var created: timer_t?
        // A timer id is an integer, and the first is 0: a nil timer_t is a valid timer.
        guard timer_create(CLOCK_MONOTONIC, &event, &created) == 0 else { return nil }
        return .some(created)
    }

    /// The kernel's id of the calling thread.
    private static func currentThreadID() -> pid_t? {
        let id = clinux_gettid()
        return id > 0 ? id : nil
    }

    deinit {
        if case .some(let timer) = timer { timer_delete(timer) }
    }

    /// Runs `body` with the periodic signal on. The handler is installed with SA_RESTART, and
    /// reads and writes of regular files are not interrupted by signals, so the job's file I/O
    /// runs unchanged; nothing in it sleeps in a call a signal would cut short.
    public func armed<R>(_ body: () throws -> R) rethrows -> R {
        set(microseconds: interval)
        defer { set(microseconds: 0) }
        return try body()
    }

    private func set(microseconds: Int) {
        guard case .some(let timer) = timer else { return }
        let period = timespec(tv_sec: 0, tv_nsec: microseconds * 1_000)
        var setting = itimerspec(it_interval: period, it_value: period)
        timer_settime(timer, 0, &setting, nil)
    }
}

// The threads handlers run on: a small pool of our own, used as the task executor preference
// of every handler task. Handlers stay off the socket threads (a slow one there would stall
// every connection of its loop), and blocking code elsewhere in the process (on Swift's
// cooperative pool, which has as many threads as cores) cannot starve them.
import DequeModule
import Dispatch
import Foundation
import Synchronization

/// A fixed pool of threads that runs the jobs of handler tasks.
final class HandlerExecutor: TaskExecutor, @unchecked Sendable {
    // `jobs` is guarded by its mutex; `available` counts jobs not yet taken. A deque, not an
    // array: a merged batch resumes dozens of handlers at once, and removeFirst would move the rest.
    private let jobs = Mutex(Deque<UnownedJob>())
    private let available = DispatchSemaphore(value: 0)
    private let threadCount: Int
    private let stopping = Atomic<Bool>(false)

    init(threads: Int) {
        threadCount = max(1, threads)
        for i in 0 ..< threadCount {
            let thread = Thread { [self] in self.work() }
            thread.name = "http-handler-\(i)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        available.signal()
    }

    /// Lets the threads finish once the queue is empty.
    func stop() {
        stopping.store(true, ordering: .releasing)
        for _ in 0 ..< threadCount { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let job = jobs.withLock { $0.popFirst() }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
            } else if stopping.load(ordering: .acquiring) {
                return
            }
        }
    }
}


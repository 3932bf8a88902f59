// Starts a training worker (`aeserve train-worker`) for one job and follows its report: JSON
// lines on a pipe, its log in a file beside the job, and how it ended.
import AETraining
import CLinux
import Foundation

/// How a worker run ended.
enum WorkerOutcome: Sendable, Equatable {
    /// The checkpoint is written.
    case finished
    /// The worker's own verdict that the job cannot succeed; retrying would not help.
    case failed(String)
    /// Stopped on request between batches; its saved state resumes it.
    case stopped
    /// It died (a signal, a trap, an unexpected exit): retried from the last saved epoch.
    case crashed(String)
}

/// One worker process.
enum WorkerProcess {
    /// Starts `executable train-worker --assignment <assignmentFile>`, appending its standard
    /// error to `logFile`, calls `onStart` with its process id, `onEvent` for each line it
    /// reports, and returns once it has exited.
    ///
    /// The worker dies with the thread that starts it (PR_SET_PDEATHSIG follows the parent
    /// thread, not the process), so call this on a thread that outlives the worker.
    static func run(executable: String, assignmentFile: URL, logFile: URL, memoryLimitBytes: Int?,
                    onStart: (pid_t) -> Void, onEvent: (WorkerEvent) -> Void) -> WorkerOutcome {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return .crashed("cannot create a pipe: \(String(cString: strerror(errno)))") }
        let log = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            close(ends[0]); close(ends[1])
            return .crashed("cannot open the worker log \(logFile.lastPathComponent): \(String(cString: strerror(errno)))")
        }
        let arguments = ["aeserve", "train-worker", "--assignment", assignmentFile.path]
        var pid: Int32 = 0
        let spawned = withCStrings(arguments) { argv in clinux_spawn(executable, argv, ends[1], log, &pid) }
        close(ends[1])
        close(log)
        guard spawned == 0 else {
            close(ends[0])
            return .crashed("cannot start the training worker \(executable): \(String(cString: strerror(spawned)))")
        }
        onStart(pid)
        var last: WorkerEvent?
        readLines(from: ends[0]) { line in
            guard let event = try? JSONDecoder().decode(WorkerEvent.self, from: line) else { return }
            last = event
            onEvent(event)
        }
        close(ends[0])
        var status: Int32 = 0
        guard clinux_wait(pid, &status) == 0 else { return .crashed("lost track of the training worker \(pid)") }
        return outcome(status: status, last: last, logFile: logFile, memoryLimitBytes: memoryLimitBytes)
    }

    /// What the exit status and the last reported event say.
    private static func outcome(status: Int32, last: WorkerEvent?, logFile: URL, memoryLimitBytes: Int?) -> WorkerOutcome {
        if clinux_exited(status) != 0 {
            let code = clinux_exit_status(status)
            switch (code, last) {
            case (TrainingWorker.ExitStatus.success.rawValue, .finished?): return .finished
            case (TrainingWorker.ExitStatus.success.rawValue, .stopped?): return .stopped
            case (TrainingWorker.ExitStatus.failed.rawValue, .failed(let message)?): return .failed(message)
            default:
                return .crashed("the training worker exited with status \(code)\(lastWords(logFile))")
            }
        }
        let signal = clinux_terminating_signal(status)
        let words = lastWords(logFile)
        var reason = "the training worker was killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        if let limit = memoryLimitBytes {
            // An allocation refused under RLIMIT_DATA ends a Swift process with an abort (the
            // runtime's "failed to allocate") or a trap.
            if words.contains("failed to allocate") {
                reason = "the training worker ran out of memory (signal \(signal)): it needs more than its limit of "
                    + "\(limit) bytes (setting training.memory_limit_bytes)"
            } else if [SIGABRT, SIGILL, SIGTRAP].contains(signal) {
                reason += " (a trap; if an allocation failed, the job needs more than the worker's memory limit of "
                    + "\(limit) bytes, setting training.memory_limit_bytes)"
            }
        }
        return .crashed(reason + words)
    }

    /// The last fatal-error line of the worker's log, quoted, or "".
    private static func lastWords(_ logFile: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: logFile) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 16_384 ? size - 16_384 : 0)
        let tail = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        guard let line = tail.split(separator: "\n").last(where: { $0.contains("Fatal error") || $0.contains("aeserve train-worker:") })
        else { return "" }
        return ": \"\(line.prefix(300))\""
    }

    /// Calls `body` with each newline-terminated line read from `fd` until end of file.
    private static func readLines(from fd: Int32, _ body: (Data) -> Void) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                body(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
    }

    /// Calls `body` with `strings` as a NULL-terminated C array.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

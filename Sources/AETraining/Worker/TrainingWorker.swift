// The training worker: the child process that runs one job for the server. It lowers its own
// priority, caps its memory, dies with its parent, trains with the shared TrainingRun and reports
// each epoch as a JSON line; the server does everything else.
import AECheckpoint
import AEData
import AEMath
import AEModel
import CLinux
import Foundation
import Synchronization

/// Runs one `WorkerAssignment` in the current process.
public enum TrainingWorker {
    /// Exit statuses the server tells apart; any other ending (a signal, a trap) is a crash.
    public enum ExitStatus: Int32, Sendable {
        /// Finished, or stopped on request with its state saved.
        case success = 0
        /// A failure retrying cannot mend; the last line says why.
        case failed = 1
        /// The assignment could not be read, or the parent was already gone.
        case unusable = 3
    }

    /// Set by SIGTERM; polled between batches.
    private static let stopRequested = Atomic<Bool>(false)

    /// The worker's whole life: reads the assignment at `path`, trains on a thread of its own at
    /// the lowest priority, writes events to standard output, and returns the exit status.
    public static func main(assignmentPath path: String) -> ExitStatus {
        let assignment: WorkerAssignment
        do {
            assignment = try JSONDecoder().decode(WorkerAssignment.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            report("cannot read the assignment \(path): \(error)")
            return .unusable
        }
        // Die with the server: the signal is set, then the parent re-checked, since the server
        // may have died between the spawn and the prctl (PR_SET_PDEATHSIG(2const)).
        _ = clinux_set_parent_death_signal(SIGKILL)
        guard getppid() == assignment.parentProcessID else {
            report("the server (process \(assignment.parentProcessID)) is gone; not starting")
            return .unusable
        }
        signal(SIGTERM) { _ in TrainingWorker.stopRequested.store(true, ordering: .relaxed) }
        // The server decides when its worker stops; a terminal's Ctrl-C is for the server.
        signal(SIGINT, SIG_IGN)
        // Everything heavy runs on one thread that first lowers its own priority (threads it
        // starts, the math's helpers, inherit it) and then caps the process's memory: after the
        // thread exists, so that a tight limit cannot stop the thread itself from starting.
        let status = Mutex<ExitStatus>(.failed)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            lowerPriority()
            if let limit = assignment.memoryLimitBytes { limitMemory(to: limit) }
            status.withLock { $0 = train(assignment) }
            done.signal()
        }
        thread.start()
        done.wait()
        return status.withLock { $0 }
    }

    /// Caps the process's data segment (heap and private mappings, RLIMIT_DATA).
    private static func limitMemory(to limit: Int) {
        var bound = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
        if setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &bound) != 0 {
            report("cannot set the memory limit of \(limit) bytes: \(String(cString: strerror(errno)))")
        }
    }

    /// SCHED_IDLE and the highest nice value for the calling thread (and the threads it starts):
    /// the lowest CPU priority a process can take without privileges.
    private static func lowerPriority() {
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        _ = clinux_set_thread_idle()
    }

    private static func train(_ assignment: WorkerAssignment) -> ExitStatus {
        ComputePolicy(cores: assignment.threads).install()
        // SCHED_IDLE alone did not keep request threads from waiting for this core (YieldTimer).
        let yielder = assignment.yieldIntervalMicroseconds > 0
            ? YieldTimer(intervalMicroseconds: assignment.yieldIntervalMicroseconds) : nil
        let run = { () -> ExitStatus in
            do {
                return try runJob(assignment)
            } catch let error as TrainingError {
                if case .cancelled(let completed) = error {
                    emit(.stopped(completedEpochs: completed))
                    return .success
                }
                emit(.failed(error.description))
            } catch {
                emit(.failed(describe(error, memoryLimit: assignment.memoryLimitBytes)))
            }
            return .failed
        }
        return yielder.map { $0.armed(run) } ?? run()
    }

    private static func runJob(_ assignment: WorkerAssignment) throws -> ExitStatus {
        let data = try loadData(assignment)
        let stateURL = URL(fileURLWithPath: assignment.stateFile)
        let start: TrainingRun.Start
        if FileManager.default.fileExists(atPath: stateURL.path) {
            start = .resume(try TrainingStateFile.load(contentsOf: stateURL))
        } else if let base = assignment.baseCheckpoint {
            start = .fineTune(try ModelCheckpoint.load(contentsOf: URL(fileURLWithPath: base)).model)
        } else if let architecture = assignment.architecture {
            start = .fresh(architecture)
        } else {
            throw TrainingError.invalidOptions("the job names neither an architecture nor a base version")
        }
        if let limit = assignment.memoryLimitBytes {
            let architecture = start.architecture
            let needed = TrainingRun.estimatedMemory(architecture: architecture, samples: data.rows,
                                                     batchSize: assignment.training.batchSize)
            guard needed <= limit else {
                throw TrainingError.invalidOptions("""
                    this job needs about \(needed >> 20) MiB (the data, the model with its gradients and \
                    optimizer moments, and a batch's activations); its worker's memory limit is \(limit) bytes \
                    (setting training.memory_limit_bytes): lower training.batch_size, the data or the model, or raise the limit
                    """)
            }
        }
        var run = try TrainingRun(start: start, data: data, options: assignment.training,
                                  datasetName: assignment.dataset.displayName, classes: assignment.dataset.classes,
                                  extraMetadata: ["job": assignment.jobID])
        emit(.started(history: run.state.history))
        let outcome = try run.run(
            onEpoch: { record, state in
                try TrainingStateFile.save(state, to: stateURL)
                emit(.epoch(record))
            },
            isCancelled: { stopRequested.load(ordering: .relaxed) })
        try CalibrationFile.save(outcome.calibration, to: URL(fileURLWithPath: assignment.calibrationFile))
        try SafeTensors.write(outcome.checkpoint, to: URL(fileURLWithPath: assignment.outputFile))
        emit(.finished)
        return .success
    }

    private static func loadData(_ assignment: WorkerAssignment) throws -> Matrix<Float> {
        let uploads = assignment.uploads ?? [:]
        let resolver = DatasetResolver(roots: DataRoots(assignment.dataRoots.map { URL(fileURLWithPath: $0) }),
                                       uploads: { uploads[$0] })
        var spec = assignment.dataset
        if let file = assignment.vectorsFile {
            spec.vectors = try JSONDecoder().decode([[Float]].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        }
        return try resolver.load(spec).matrix
    }

    /// The error's message; one caused by a refused allocation also names the memory limit.
    private static func describe(_ error: any Error, memoryLimit: Int?) -> String {
        let text = "\(error)"
        guard let memoryLimit, text.contains("Cannot allocate memory") || text.contains("Code=12 ") else { return text }
        return "\(text) (the worker's memory limit is \(memoryLimit) bytes, setting training.memory_limit_bytes)"
    }

    /// Writes one event line to standard output, unbuffered, so the server sees it at once.
    private static func emit(_ event: WorkerEvent) {
        FileHandle.standardOutput.write(event.line)
    }

    /// A line for the worker's log (standard error), which the server keeps beside the job.
    private static func report(_ message: String) {
        FileHandle.standardError.write(Data("aeserve train-worker: \(message)\n".utf8))
    }
}

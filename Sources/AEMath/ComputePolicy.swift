// How many cores the math may use, decided once per process. Every thread count of the math
// comes from here: the width products and elementwise loops are split into (Gemm, Parallel),
// the helper threads of the spin pool, the blocks of a one-row chain, OpenBLAS's own threads,
// and whether a request computing beside others takes one core or all of them.
import CBLAS
import Foundation
import Synchronization

/// The threads each kind of math work may use, built once from configuration and the cores.
public struct ComputePolicy: Sendable, Equatable, CustomStringConvertible {
    /// The most cores a policy may name: far above any machine this runs on, low enough that
    /// block arithmetic on it cannot overflow.
    public static let maximumCores = 4096

    /// Cores large work is split across: product blocks, elementwise chunks and the blocks of
    /// a one-row chain (whose bits depend on this number and never on load).
    public let cores: Int

    /// OpenBLAS's own threads: always one. `Gemm` splits products itself, which measured faster
    /// here than OpenBLAS's threading and lets concurrent callers each run on their own core.
    public var blasThreads: Int { 1 }

    /// Helper threads of the spin pool: one per core beyond the caller's.
    public var helperThreads: Int { cores - 1 }

    /// Cores for work that runs beside other work (a merged batch, a request while others are
    /// in flight): one, since the other cores are serving the others.
    public var sharedWidth: Int { 1 }

    /// A policy of `cores` cores, clamped to 1...`maximumCores`.
    public init(cores: Int) {
        self.cores = min(max(1, cores), Self.maximumCores)
    }

    /// The policy for this machine: `configured` cores when given and positive, else every
    /// online core.
    public static func forMachine(configured: Int? = nil) -> ComputePolicy {
        if let configured, configured > 0 { return ComputePolicy(cores: configured) }
        return ComputePolicy(cores: onlineCores)
    }

    /// The cores the system has online.
    public static var onlineCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The policy in force (the machine's until `install` runs).
    public static var current: ComputePolicy { installed.withLock { $0 } }

    /// Makes this the process's policy. The only place that sets process-wide thread counts.
    public func install() {
        ComputePolicy.installed.withLock { $0 = self }
        Parallel.setProcessWidth(cores)
        openblas_set_num_threads(Int32(blasThreads))
    }

    /// Runs `body` with the work of the current task limited to `width` cores (for example
    /// `sharedWidth` for a merged batch), whatever the process's width.
    public func withWidth<T>(_ width: Int, _ body: () throws -> T) rethrows -> T {
        try Parallel.$taskWidth.withValue(min(max(1, width), cores), operation: body)
    }

    /// Runs `body` with OpenBLAS threading a product itself over `threads` threads, then puts
    /// the policy's count back: only for measuring OpenBLAS's native sgemm (the machine's
    /// ceiling in `aeserve bench`), never while serving.
    public func withNativeBLASThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        openblas_set_num_threads(Int32(min(max(1, threads), Self.maximumCores)))
        defer { openblas_set_num_threads(Int32(blasThreads)) }
        return try body()
    }

    public var description: String { "\(cores) core\(cores == 1 ? "" : "s") (\(helperThreads) math helper threads, OpenBLAS \(blasThreads))" }

    /// Makes OpenBLAS single-threaded before the first product (its default is every core),
    /// in a process that never installs a policy (a test, a library user).
    static func prepareBLAS() { _ = blasPrepared }
    private static let blasPrepared: Void = { openblas_set_num_threads(1) }()

    private static let installed = Mutex(ComputePolicy(cores: onlineCores))
}

// The live processes of this machine, read from /proc, for tests that check which processes
// a server started and that none outlives it.
import Foundation

/// One live process: its id, its parent's id and its command line (arguments joined by spaces).
public struct ProcessEntry: Sendable, Equatable {
    public var pid: pid_t
    public var parent: pid_t
    public var commandLine: String
}

/// Reads /proc.
public enum ProcessTable {
    /// Live (not zombie) processes whose command line contains every one of `parts`.
    public static func processes(commandContaining parts: [String]) -> [ProcessEntry] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).compactMap { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After the command in parentheses: the state, then the parent's id.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, fields[0] != "Z", fields[0] != "X", let parent = pid_t(fields[1]) else { return nil }
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            let commandLine = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard parts.allSatisfy(commandLine.contains) else { return nil }
            return ProcessEntry(pid: pid, parent: parent, commandLine: commandLine)
        }
    }

    /// The training workers running job `id`.
    public static func trainingWorkers(ofJob id: String) -> [ProcessEntry] {
        processes(commandContaining: ["train-worker", "\(id).assignment.json"])
    }

    /// Polls until no process matches `parts` or `timeout` passes; returns whether none is left.
    public static func waitUntilGone(_ parts: [String], timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if processes(commandContaining: parts).isEmpty { return true }
            usleep(20_000)
        }
        return processes(commandContaining: parts).isEmpty
    }
}

// The http-bench-server executable as a child process, for tests that need a process of
// their own (signals, descriptor and memory counts).
import AETestSupport
import Foundation
import Glibc

final class BenchServerProcess {
    let process = Process()
    let port: Int
    var pid: Int32 { process.processIdentifier }

    /// The built executable next to the test bundle, or nil.
    static var executable: String? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("http-bench-server").path]
            + ["debug", "release"].map {
                here.deletingLastPathComponent().appendingPathComponent($0)
                    .appendingPathComponent("http-bench-server").path
            }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the server on an ephemeral port and waits for its "listening on <port>" line;
    /// `fileLimit` runs it under `prlimit --nofile` (prlimit execs it, so the pid is the server's).
    init(fileLimit: Int? = nil) throws {
        guard let path = Self.executable else {
            throw HTTPClientError("http-bench-server is not built next to the tests")
        }
        if let fileLimit {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(fileLimit):\(fileLimit)", path, "--port", "0"]
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["--port", "0"]
        }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += String(decoding: byte, as: UTF8.self)
        }
        guard let port = Int(line.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            kill(process.processIdentifier, SIGKILL)
            throw HTTPClientError("no readiness line from http-bench-server: \(line)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() }
    }

    /// Open descriptors of the child.
    var descriptorCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Resident memory of the child in KiB.
    var residentKiB: Int { status("VmRSS:") }

    /// The most resident memory the child has had since it started, in KiB.
    var peakResidentKiB: Int { status("VmHWM:") }

    /// A KiB figure of /proc/<pid>/status, or -1.
    private func status(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
        }
        return -1
    }

    /// CPU time the child has used, in seconds.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based, man proc(5)).
        return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
    }

    /// Sockets of the child that are still open (TCP connections it holds).
    var openSocketCount: Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return -1 }
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))?.hasPrefix("socket:") == true
        }.count
    }
}

// The one atomic writer: replaces files whole, leaves no temp file, and its sweep removes a
// killed writer's temp file but never a live writer's.
import AECheckpoint
import Foundation
import Glibc
import Testing

@Suite struct AtomicFileTests {
    @Test("a write replaces the file whole and leaves nothing else in the folder")
    func replacesTheFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("pins.json")
        try AtomicFile.write(Data("first".utf8), to: url)
        try AtomicFile.write(Array("second, longer".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second, longer")
        #expect(try scratch.contents() == ["pins.json"])
    }

    @Test("a write into a missing folder fails naming the path, and leaves nothing behind")
    func failureNamesThePath() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("missing/pins.json")
        let message = thrownMessage { try AtomicFile.write(Data("x".utf8), to: url) }
        #expect(message.contains(scratch.url.appendingPathComponent("missing").path), "\(message)")
        #expect(message.contains("No such file or directory"), "\(message)")
        #expect(try scratch.contents() == [])
    }

    @Test("the sweep removes a temp file whose writer was killed (kill -9), keeps a live writer's and other files")
    func sweepRemovesOnlyDeadWritersFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let dead = ".model.safetensors.tmp-4242-abc"
        let live = ".pins.json.tmp-4343-def"
        for name in [dead, live, "model.safetensors", ".hidden"] {
            _ = FileManager.default.createFile(atPath: scratch.url.appendingPathComponent(name).path, contents: Data("x".utf8))
        }
        #expect(AtomicFile.isTemporary(dead) && AtomicFile.isTemporary(live))
        #expect(!AtomicFile.isTemporary("model.safetensors") && !AtomicFile.isTemporary("x.tmp-1"))

        // A real process holds the live file's lock, as a writer does until its rename.
        let holder = try LockHolder(path: scratch.url.appendingPathComponent(live).path)
        var swept = AtomicFile.removeLeftovers(in: scratch.url)
        #expect(swept == [scratch.url.appendingPathComponent(dead).path])
        #expect(try scratch.contents() == [".hidden", live, "model.safetensors"])

        holder.kill()
        swept = AtomicFile.removeLeftovers(in: scratch.url)
        #expect(swept == [scratch.url.appendingPathComponent(live).path], "a killed writer's lock is gone with it")
        #expect(try scratch.contents() == [".hidden", "model.safetensors"])
    }

    @Test("writes racing a sweep in a loop never lose a file and never fail")
    func writesRacingSweeps() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stop = StopFlag()
        let sweeper = Thread {
            while !stop.isSet { AtomicFile.removeLeftovers(in: scratch.url) }
        }
        sweeper.start()
        defer { stop.set() }
        for i in 0..<60 {
            let url = scratch.url.appendingPathComponent("file-\(i % 3)")
            try AtomicFile.write(Data("\(i)".utf8), to: url)
            #expect(try String(contentsOf: url, encoding: .utf8) == "\(i)")
        }
        stop.set()
        while !sweeper.isFinished { usleep(1000) }
        #expect(try scratch.contents() == ["file-0", "file-1", "file-2"])
    }
}

/// A child process (`flock(1)`) holding an exclusive lock on a file until it is killed.
private final class LockHolder {
    private let process = Process()
    private let input = Pipe()
    private var killed = false

    init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // -o: the command does not inherit the lock, so killing flock alone releases it.
        process.arguments = ["-o", path, "sh", "-c", "echo locked; exec cat"]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Readiness: flock runs the command only once it holds the lock.
        let line = output.fileHandleForReading.availableData
        try #require(String(decoding: line, as: UTF8.self).hasPrefix("locked"))
    }

    /// kill -9 the lock holder, then end its `cat` child by closing its input.
    func kill() {
        guard !killed else { return }
        killed = true
        let pid = process.processIdentifier
        Glibc.kill(pid, SIGKILL)
        // Reap it here (Foundation may not observe the exit while a test runs); ECHILD means
        // Foundation reaped it first, which is as good.
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        try? input.fileHandleForWriting.close()
    }

    deinit { if !killed { kill() } }
}

/// A flag set once from another thread.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

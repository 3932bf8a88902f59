// Uploads against the real `aeserve serve` binary: a server killed with kill -9 mid-upload
// leaves no dataset and, once restarted, no temporary file; finished datasets survive; a large
// upload streams to disk without growing the server's memory.
import AETestSupport
import Foundation
import Testing

@Suite("Datasets (process)", .serialized)
struct DatasetProcessTests {
    /// Entries of the datasets folder that belong to uploads under way.
    static func uploadsUnderWay(_ server: ServeProcess) -> [String] {
        let folder = server.stateFolder.appendingPathComponent("datasets")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(".upload-") }
    }

    /// Polls `condition` every 10 ms for up to 20 s; whether it came true.
    static func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// A float32 NPY header for `rows × columns` (the data follows).
    static func npyHeader(rows: Int, columns: Int) -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }

    @Test("kill -9 mid-upload: no dataset, and after a restart no temporary file; finished datasets survive")
    func killedMidUpload() throws {
        let folder = try TestEnvironment.temporaryDirectory("datasets-kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        let kept = try HTTPClient.request(port: server.port, "POST", "/datasets?name=kept", body: Array("1,2\n3,4\n".utf8),
                                          contentType: "application/octet-stream")
        #expect(kept.status == 201, "\(kept.text)")
        let client = try HTTPConnection(port: server.port)
        try client.send(Array("POST /datasets HTTP/1.1\r\nHost: t\r\nContent-Length: 8000064\r\n\r\n".utf8)
                        + Self.npyHeader(rows: 1000, columns: 2000) + [UInt8](repeating: 0, count: 1 << 20))
        #expect(Self.waitUntil { !Self.uploadsUnderWay(server).isEmpty }, "the upload never reached the disk")
        #expect(server.stop(SIGKILL) != nil)

        let restarted = try ServeProcess(folder: folder)
        defer { restarted.stop(SIGTERM) }
        #expect(Self.uploadsUnderWay(restarted).isEmpty)
        let list = try restarted.get("/datasets").json()["datasets"]?.array ?? []
        #expect(list.compactMap { $0["name"]?.string } == ["kept"])
        #expect(try restarted.get("/datasets/\(try #require(list.first?["id"]?.string))/rows").json()["vectors"]?.array?.count == 2)
    }

    @Test("a 256 MiB upload goes to disk while the server's resident memory grows by less than 64 MB")
    func largeUploadMemory() throws {
        let folder = try TestEnvironment.temporaryDirectory("datasets-large")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        defer { server.stop(SIGTERM) }
        let pid = server.process.processIdentifier
        let before = Self.status(pid, "VmRSS:")
        let columns = 1024, rows = 65_536  // 256 MiB of float32
        let header = Self.npyHeader(rows: rows, columns: columns)
        let client = try HTTPConnection(port: server.port, timeout: 120)
        try client.send("POST /datasets HTTP/1.1\r\nHost: t\r\nContent-Length: \(header.count + rows * columns * 4)\r\n\r\n")
        try client.send(header)
        var block: [UInt8] = []
        for i in 0 ..< columns * 256 { withUnsafeBytes(of: Float(i % 100) / 100) { block += $0 } }
        for _ in 0 ..< rows / 256 { try client.send(block) }
        let answer = try client.readResponse()
        let stored = try answer.json()["rows"]?.int
        #expect(answer.status == 201 && stored == rows, "\(answer.text)")
        let peak = Self.status(pid, "VmHWM:")
        #expect(before > 0 && peak - before < 64 * 1024, "resident memory went from \(before) KiB to a peak of \(peak) KiB")
    }

    /// A KiB figure of /proc/<pid>/status.
    static func status(_ pid: Int32, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.split(separator: " ")[1]) ?? -1
        }
        return -1
    }
}

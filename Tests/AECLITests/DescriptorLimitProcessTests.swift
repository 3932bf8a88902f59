// The real `aeserve serve` out of file descriptors, its limit lowered under
// server.max_connections with `prlimit --pid` once it is ready: the health probes still answer.
import AETestSupport
import Foundation
import Testing

@Suite("aeserve serve at its descriptor limit (process)", .serialized)
struct DescriptorLimitProcessTests {
    /// Open descriptors of a process.
    static func descriptorCount(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// The quickest of three fresh-connection requests for `path`, in seconds, with the statuses.
    static func fastest(_ port: Int, _ path: String) throws -> (seconds: Double, statuses: [Int]) {
        var best = Double.infinity
        var statuses: [Int] = []
        for _ in 0 ..< 3 {
            let start = Date()
            let response = try HTTPConnection(port: port, timeout: 5).request("GET", path)
            best = min(best, Date().timeIntervalSince(start))
            statuses.append(response.status)
        }
        return (best, statuses)
    }

    @Test("regression (issue 11): with the descriptor limit under the cap and held by idle connections, /healthz and /readyz answer within 100 ms")
    func probesAtTheDescriptorLimit() throws {
        let folder = try ServeProcessTests.newFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServeProcess(folder: folder)
        let pid = server.process.processIdentifier
        // A limit 24 over what the ready server holds, far under max_connections (1024).
        let limit = Self.descriptorCount(pid) + 24
        let lowered = try runTool("/usr/bin/prlimit", ["--pid", "\(pid)", "--nofile=\(limit):\(limit)"])
        try #require(lowered.status == 0, "prlimit failed: \(lowered.stderr)")

        var idle: [HTTPConnection] = []
        for _ in 0 ..< 48 { idle.append(try HTTPConnection(port: server.port)) }
        let deadline = Date().addingTimeInterval(5)
        while Self.descriptorCount(pid) < limit && Date() < deadline { usleep(2_000) }
        #expect(Self.descriptorCount(pid) >= limit, "the idle connections did not use up the descriptors")

        // Three tries each, so one scheduling hiccup on a loaded machine is not a failure; a
        // server that makes probes wait for descriptors would be slow every time.
        let healthz = try Self.fastest(server.port, "/healthz")
        #expect(healthz.statuses == [200, 200, 200])
        #expect(healthz.seconds < 0.1, "the fastest /healthz took \(healthz.seconds) s")
        // Whether a model is loaded is the registry's answer; that /readyz answers at all,
        // and at once, is the server's.
        let readyz = try Self.fastest(server.port, "/readyz")
        #expect(readyz.statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(readyz.statuses)")
        #expect(readyz.seconds < 0.1, "the fastest /readyz took \(readyz.seconds) s")

        // A client that found the server out of descriptors was told so in the JSON error shape
        // (it gave its reserve slot up to a newer connection before sending anything).
        let late = try idle[30].readResponse()
        #expect(late.status == 503 && late.header("Retry-After") == "1", "\(late.status) \(late.text)")
        #expect(try late.json()["error"]?["message"]?.string?.contains("out of file descriptors") == true, "\(late.text)")

        // Once the idle clients go, everything is served again.
        idle.removeAll()
        var served = false
        for _ in 0 ..< 200 where !served {
            served = (try? HTTPClient.request(port: server.port, "GET", "/models", timeout: 2))?.status == 200
            if !served { usleep(10_000) }
        }
        #expect(served, "serving did not resume once descriptors were free")
        #expect(server.stop(SIGTERM)?.status == 0, "\(server.log.suffix(2000))")
    }
}

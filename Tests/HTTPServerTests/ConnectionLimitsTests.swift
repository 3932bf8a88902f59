import AETestSupport
import Foundation
import Glibc
import Testing
@testable import HTTPServer

/// The connection caps over real sockets: reserve slots that still answer probes, a cap per
/// client address, and refusals in the application's error shape with Retry-After.
@Suite struct ConnectionLimitsTests {
    /// The shared test routes plus a probe route, answering errors in JSON as an application would.
    static func router() -> Router {
        var router = TestServer.router()
        router.add(.get, "/healthz") { _ in .text("ok") }
        router.errorResponse = { status, message, path in
            HTTPResponse(status: status, headers: ["Content-Type": "application/json"],
                         body: Array(#"{"error":{"code":"http_\#(status.code)","path":"\#(path ?? "")","message":"\#(message)"}}"#.utf8))
        }
        return router
    }

    /// Waits (bounded) until the server holds `count` connections.
    static func waitForConnections(_ server: Server, _ count: Int) {
        let limit = Deadline.now().adding(.seconds(5))
        while server.connectionCount < count && Deadline.now() < limit { usleep(2_000) }
    }

    /// Expects a refusal: `status`, `Retry-After: 1`, the router's JSON error, then a close.
    static func expectRefusal(_ response: HTTPMessage, _ status: Int, on client: HTTPConnection,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.header("Retry-After") == "1", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        #expect(response.text.hasPrefix(#"{"error":{"code":"http_\#(status)""#), "\(response.text)", sourceLocation: sourceLocation)
        #expect(client.readsEOF(), "refused connection left open", sourceLocation: sourceLocation)
    }

    @Test("with the cap held by idle connections (and more waiting past it), /healthz still answers within 100 ms")
    func probeAtTheCap() throws {
        let (server, port) = try TestServer.start({ $0.maxConnections = 8; $0.probePaths = ["/healthz"] },
                                                  router: Self.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        var idle: [HTTPConnection] = []
        for _ in 0 ..< 8 { idle.append(try HTTPConnection(port: port)) }
        Self.waitForConnections(server, 8)
        // Six more idle ones: the four reserve slots fill, and the oldest give theirs up.
        for _ in 0 ..< 6 { idle.append(try HTTPConnection(port: port)) }
        Self.waitForConnections(server, 12)
        var fastest = Double.infinity
        for _ in 0 ..< 3 {
            let start = Deadline.now()
            let probe = try HTTPConnection(port: port, timeout: 2)
            let response = try probe.request("GET", "/healthz")
            fastest = min(fastest, Double(Deadline.now().nanoseconds - start.nanoseconds) / 1e9)
            #expect(response.status == 200 && response.text == "ok")
            #expect(response.header("Connection") == "close", "a reserve slot serves one probe")
        }
        // Three timings, so one scheduling hiccup on a loaded machine is not a failure; a server
        // that makes probes wait would be slow every time.
        #expect(fastest < 0.1, "the fastest /healthz took \(fastest) s")
        // The first idle connection past the cap gave its reserve slot up with a refusal.
        Self.expectRefusal(try idle[8].readResponse(), 503, on: idle[8])
        // Anything but a probe past the cap is refused in the application's shape.
        let other = try HTTPConnection(port: port)
        let refused = try other.request("GET", "/items/1")
        Self.expectRefusal(refused, 503, on: other)
        #expect(refused.text.contains(#""path":"/items/1""#) && refused.text.contains("limit of 8"))
        // The connections under the cap are served as ever.
        #expect(try idle[0].request("GET", "/ping").text == "pong")
    }

    @Test("past the cap with every reserve slot busy, a connection is refused at once with 503 and Retry-After")
    func refusedWhenReserveIsBusy() throws {
        let started = DispatchSemaphore(value: 0)
        var router = Self.router()
        router.add(.get, "/slow-probe") { _ in
            started.signal()
            try await Task.sleep(for: .milliseconds(800))
            return .text("slow ok")
        }
        let (server, port) = try TestServer.start({
            $0.maxConnections = 2
            $0.reservedConnections = 1
            $0.probePaths = ["/slow-probe"]
        }, router: router)
        defer { server.shutdown(drainTimeout: .seconds(2)) }
        let held = [try HTTPConnection(port: port), try HTTPConnection(port: port)]
        Self.waitForConnections(server, 2)
        // The one reserve slot goes to a probe whose handler is running: it cannot be given up.
        let probe = try HTTPConnection(port: port)
        try probe.send("GET", "/slow-probe")
        #expect(started.wait(timeout: .now() + 5) == .success)
        let refused = try HTTPConnection(port: port)
        try refused.send("GET", "/ping")
        Self.expectRefusal(try refused.readResponse(), 503, on: refused)
        #expect(try probe.readResponse().text == "slow ok")
        #expect(held.count == 2)
    }

    @Test("past the per-address cap a connection gets 429 with Retry-After in JSON; another address is served")
    func perPeerCap() throws {
        let (server, port) = try TestServer.start({ $0.maxConnectionsPerPeer = 2; $0.probePaths = ["/healthz"] },
                                                  router: Self.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        var first: HTTPConnection? = try HTTPConnection(port: port)
        let second = try HTTPConnection(port: port)
        #expect(try first?.request("GET", "/ping").text == "pong")
        #expect(try second.request("GET", "/ping").text == "pong")
        let third = try HTTPConnection(port: port)
        let refused = try third.request("GET", "/ping")
        Self.expectRefusal(refused, 429, on: third)
        #expect(refused.text.contains("127.0.0.1") && refused.text.contains("limit of 2"))
        // Another client address is not held to 127.0.0.1's share.
        let other = try HTTPConnection(port: port, source: "127.0.0.2")
        #expect(try other.request("GET", "/ping").text == "pong")
        #expect(try other.request("GET", "/items/7").text == "item 7", "and keeps its connection")
        // A probe from the capped address still answers.
        #expect(try HTTPConnection(port: port).request("GET", "/healthz").text == "ok")
        // Once one of its connections closes, the address may open another.
        first = nil
        var served = false
        for _ in 0 ..< 100 where !served {
            served = (try? HTTPConnection(port: port).request("GET", "/ping"))?.status == 200
            if !served { usleep(10_000) }
        }
        #expect(served)
        #expect(try second.request("GET", "/ping").text == "pong")
    }
}

import AETestSupport
import Foundation
import Testing
@testable import AEService

/// The service's connection caps as a client meets them: refusals in the route's error shape
/// (OIP's on /v2) with Retry-After, and health probes still answered past the caps.
@Suite struct ConnectionCapLiveTests {
    @Test("past server.max_connections_per_peer: 429 with Retry-After, native or OIP shape; probes and other addresses are served")
    func perPeerCap() throws {
        let live = try LiveService(configure: { $0.server.maxConnectionsPerPeer = 1 })
        defer { live.stop() }
        let held = try HTTPConnection(port: live.port)
        #expect(try held.request("GET", "/models").status == 200)

        let native = try HTTPConnection(port: live.port)
        let refused = try native.request("GET", "/models")
        expectError(refused, 429, "http_429", mentions: ["127.0.0.1", "limit of 1"])
        #expect(refused.header("Retry-After") == "1")

        let oip = try HTTPConnection(port: live.port)
        let refusedOIP = try oip.request("GET", "/v2/models/small")
        #expect(refusedOIP.status == 429 && refusedOIP.header("Retry-After") == "1")
        #expect(try refusedOIP.json()["error"]?.string?.contains("limit of 1") == true, "\(refusedOIP.text)")

        for probe in ServiceRunner.probePaths.sorted() {
            #expect(try HTTPConnection(port: live.port).request("GET", probe).status == 200, "\(probe)")
        }
        let other = try HTTPConnection(port: live.port, source: "127.0.0.2")
        #expect(try other.request("GET", "/models").status == 200)
        #expect(try held.request("GET", "/models").status == 200, "the held connection keeps working")
    }

    @Test("with server.max_connections held by idle connections, /readyz answers and anything else gets 503 JSON with Retry-After")
    func globalCap() throws {
        let live = try LiveService(configure: { $0.server.maxConnections = 3 })
        defer { live.stop() }
        let idle = try (0 ..< 3).map { _ in try HTTPConnection(port: live.port) }
        let limit = Date().addingTimeInterval(5)
        while live.runner.server.connectionCount < 3 && Date() < limit { usleep(2_000) }
        #expect(try HTTPConnection(port: live.port, timeout: 2).request("GET", "/readyz").status == 200)
        let refused = try HTTPConnection(port: live.port).request("GET", "/models")
        expectError(refused, 503, "http_503", mentions: ["limit of 3"])
        #expect(refused.header("Retry-After") == "1")
        #expect(idle.count == 3)
    }
}

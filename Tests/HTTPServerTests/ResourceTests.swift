import Foundation
import Glibc
import AETestSupport
import Testing
@testable import HTTPServer

@Suite struct ResourceTests {
    /// Opens `count` connections that end in different ways: full request, mid-body close,
    /// reset mid-head, reset after a response, and connect-then-close.
    static func churn(port: Int, count: Int) throws {
        for i in 0 ..< count {
            let client = try HTTPConnection(port: port)
            switch i % 5 {
            case 0:
                try client.send("GET", "/ping")
                _ = try client.readResponse()
            case 1:
                try client.send("POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n[1,2")
            case 2:
                try client.send("GET /ping HTTP/1.1\r\nHo")
                var option = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            case 3:
                try client.send("GET", "/ping")
                _ = try client.readResponse()
                var option = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            default:
                break
            }
        }
    }

    /// Waits (bounded) until the child holds only its listening socket.
    static func waitForListenerOnly(_ server: BenchServerProcess) {
        let limit = Deadline.now().adding(.seconds(10))
        while server.openSocketCount > 1 && Deadline.now() < limit { usleep(5_000) }
    }

    @Test("10,000 connections opened and closed leave the server's descriptors as before and memory at its plateau")
    func connectionChurn() throws {
        let server = try BenchServerProcess()
        try Self.churn(port: server.port, count: 2_000)
        Self.waitForListenerOnly(server)
        let descriptors = server.descriptorCount
        let plateau = server.residentKiB

        try Self.churn(port: server.port, count: 10_000)
        Self.waitForListenerOnly(server)
        #expect(server.descriptorCount == descriptors)
        let after = server.residentKiB
        #expect(after - plateau < 8 * 1024, "resident memory grew from \(plateau) KiB to \(after) KiB")
    }

    @Test("out of descriptors: accept does not spin, clients past the limit get 503 with Retry-After, /healthz answers within 100 ms, serving resumes")
    func descriptorExhaustion() throws {
        let server = try BenchServerProcess(fileLimit: 40)
        var clients: [HTTPConnection] = []
        for _ in 0 ..< 60 { clients.append(try HTTPConnection(port: server.port)) }  // past the limit
        let full = Deadline.now().adding(.seconds(5))
        while server.descriptorCount < 40 && Deadline.now() < full { usleep(2_000) }
        #expect(server.descriptorCount >= 40, "the clients did not use up the descriptors")
        // Regression (issue 11): a probe waited for descriptors to free up, and timed out. The
        // quickest of three, so one scheduling hiccup on a loaded machine is not a failure.
        var fastest = Double.infinity
        for _ in 0 ..< 3 {
            let start = Deadline.now()
            let probe = try HTTPConnection(port: server.port, timeout: 5)
            #expect(try probe.request("GET", "/healthz").text == "ok\n")
            fastest = min(fastest, Double(Deadline.now().nanoseconds - start.nanoseconds) / 1e9)
        }
        #expect(fastest < 0.1, "the fastest /healthz took \(fastest) s")
        // The three newest clients hold reserve slots and were never preempted: a probe frees
        // one descriptor only when a connection waits (out of descriptors, accept says EMFILE
        // even with an empty queue; freeing one then gave up a slot and paused accepting).
        for client in clients.suffix(3) {
            #expect(try client.request("GET", "/healthz").text == "ok\n")
        }
        // A client that found the server out of descriptors was told so, not left hanging.
        let late = try clients[45].readResponse()
        #expect(late.status == 503 && late.header("Retry-After") == "1")
        #expect(late.text.contains("out of file descriptors"))

        let before = server.cpuSeconds
        usleep(500_000)  // measuring CPU use over time: nothing to wait for but the clock
        let spent = server.cpuSeconds - before
        #expect(spent < 0.2, "the server used \(spent) s of CPU in 0.5 s while out of descriptors")

        clients.removeAll()
        var served = false
        for _ in 0 ..< 100 where !served {
            served = (try? HTTPConnection(port: server.port).request("GET", "/ping"))?.text == "pong"
            if !served { usleep(10_000) }
        }
        #expect(served, "serving did not resume once descriptors were free")
    }
}

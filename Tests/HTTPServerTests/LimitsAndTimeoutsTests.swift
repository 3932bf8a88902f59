import Foundation
import Glibc
import AETestSupport
import Testing
@testable import HTTPServer

/// Limits and timeouts over real sockets, with short configured values.
@Suite struct LimitsAndTimeoutsTests {
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < min(limit.rlim_max, 8192) {
            limit.rlim_cur = min(limit.rlim_max, 8192)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }

    static func seconds(since start: Deadline) -> Double {
        Double(Deadline.now().nanoseconds - start.nanoseconds) / 1e9
    }

    @Test("a chunked body that grows past the limit while being read gets 413 and a close")
    func chunkedBodyOverLimit() throws {
        let (server, port) = try TestServer.start { $0.limits.maxBodySize = 1000 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        let chunk = String(repeating: "x", count: 600)
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413 && response.header("Connection") == "close")
        #expect(client.readsEOF())
    }

    @Test("a Content-Length body at the limit is accepted; one byte more is refused before it is read")
    func contentLengthLimit() throws {
        let (server, port) = try TestServer.start { $0.limits.maxBodySize = 1000 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "y", count: 1000))
        #expect(try client.readResponse().text == "1000")
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n")
        #expect(try client.readResponse().status == 413)
    }

    @Test("past the connection cap (no probe paths, so no reserve), new connections get 503 with Retry-After and close; open ones keep working")
    func connectionCap() throws {
        let (server, port) = try TestServer.start { $0.maxConnections = 4 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        var clients: [HTTPConnection] = []
        for _ in 0 ..< 4 {
            let client = try HTTPConnection(port: port)
            try client.send("GET", "/ping")
            #expect(try client.readResponse().text == "pong")
            clients.append(client)
        }
        let refused = try HTTPConnection(port: port)
        let response = try refused.readResponse()
        #expect(response.status == 503 && response.header("Retry-After") == "1")
        #expect(refused.readsEOF())
        for client in clients {
            try client.send("GET", "/ping")
            #expect(try client.readResponse().text == "pong")
        }
        clients.removeAll()
        // Once connections close, new ones are accepted again.
        var accepted = false
        for _ in 0 ..< 50 where !accepted {
            let client = try HTTPConnection(port: port)
            try client.send("GET", "/ping")
            accepted = (try? client.readResponse().status) == 200
            if !accepted { usleep(10_000) }
        }
        #expect(accepted)
    }

    @Test("slowloris: a header trickled a byte at a time is cut off at the header timeout")
    func slowloris() throws {
        let (server, port) = try TestServer.start { $0.timeouts.headerRead = .milliseconds(500) }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        let start = Deadline.now()
        var cutOff = false
        for byte in Array("GET /ping HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n".utf8) {
            do { try client.send([byte]) } catch { cutOff = true; break }
            usleep(50_000)
            if Self.seconds(since: start) > 1.5 { break }
        }
        let reply = client.readAll()
        let elapsed = Self.seconds(since: start)
        #expect(cutOff || String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
        #expect(elapsed < 2.5, "took \(elapsed) s")
    }

    @Test("a body that stops arriving gets 408 at the body timeout")
    func bodyTimeout() throws {
        let (server, port) = try TestServer.start { $0.timeouts.bodyRead = .milliseconds(400) }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
        let start = Deadline.now()
        let response = try client.readResponse()
        #expect(response.status == 408 && response.header("Connection") == "close")
        #expect(Self.seconds(since: start) < 1.5)
    }

    @Test("an idle keep-alive connection is closed at the idle timeout; a silent new one at the header timeout")
    func idleTimeout() throws {
        let (server, port) = try TestServer.start {
            $0.timeouts.idle = .milliseconds(300)
            $0.timeouts.headerRead = .milliseconds(300)
        }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/ping")
        _ = try client.readResponse()
        let start = Deadline.now()
        #expect(client.readsEOF())
        let elapsed = Self.seconds(since: start)
        #expect(elapsed > 0.2 && elapsed < 1.5, "closed after \(elapsed) s")

        let silent = try HTTPConnection(port: port)
        #expect(silent.readsEOF())
    }

    @Test("500 idle connections do not keep a new client's request from being answered within a second")
    func idleConnectionsDoNotStarve() throws {
        Self.raiseDescriptorLimit()
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        var idle: [HTTPConnection] = []
        for _ in 0 ..< 500 { idle.append(try HTTPConnection(port: port)) }
        // Half of them also sent a partial head.
        for client in idle.prefix(250) { try client.send("GET /ping HTTP/1.1\r\nHo") }
        let start = Deadline.now()
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/ping")
        #expect(try client.readResponse().text == "pong")
        let elapsed = Self.seconds(since: start)
        // Starved, it would wait for the idle connections' 10 s header timeout; a second tells
        // the two apart and leaves room for a loaded CI machine.
        #expect(elapsed < 1.0, "answered after \(elapsed) s")
        #expect(server.connectionCount == 501)
    }
}

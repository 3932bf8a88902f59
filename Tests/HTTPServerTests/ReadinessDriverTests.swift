import AETestSupport
import Foundation
import Glibc
import Testing
@testable import HTTPServer

/// The same server over both readiness drivers (epoll, the server's; Dispatch, kept for the
/// comparison benchmark): each must serve, pipeline, push large bodies both ways through full
/// socket buffers, keep its timers and shut down.
@Suite struct ReadinessDriverTests {
    @Test("requests, keep-alive and pipelining", arguments: ServerConfiguration.Readiness.allCases)
    func serves(_ readiness: ServerConfiguration.Readiness) throws {
        let (server, port) = try TestServer.start { $0.readiness = readiness }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        for i in 0 ..< 50 { #expect(try client.request("GET", "/items/\(i)").text == "item \(i)") }
        // Three requests in one write: answered in order while the first is being handled.
        try client.send("GET /slow?ms=50 HTTP/1.1\r\nHost: x\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /items/9 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().text == "slept 50")
        #expect(try client.readResponse().text == "pong")
        #expect(try client.readResponse().text == "item 9")
        // Many clients at once.
        let clients = try (0 ..< 20).map { _ in try HTTPConnection(port: port) }
        for (i, other) in clients.enumerated() { try other.send("GET", "/items/\(i)") }
        for (i, other) in clients.enumerated() { #expect(try other.readResponse().text == "item \(i)") }
    }

    @Test("a 1 MB upload, and an 8 MB answer to a slow reader, pass through full socket buffers",
          arguments: ServerConfiguration.Readiness.allCases)
    func largeBodies(_ readiness: ServerConfiguration.Readiness) throws {
        let (server, port) = try TestServer.start { $0.readiness = readiness }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        let body = [UInt8](repeating: 7, count: 1 << 20)
        #expect(try client.request("POST", "/length", body: body).text == "\(body.count)")
        // A small receive buffer and a pause before reading: the server's sends block, and it
        // must be woken when the socket has room again.
        var small: Int32 = 16 * 1024
        setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let size = 8 << 20
        try client.send("GET", "/text?size=\(size)")
        usleep(200_000)  // letting the socket buffers fill is the point: nothing to wait for
        let text = try client.readResponse()
        #expect(text.status == 200 && text.body.count >= size)
        #expect(text.text.hasPrefix("all work and no play all work"))
        #expect(try client.request("GET", "/ping").text == "pong", "the connection stays usable")
    }

    @Test("the idle timer closes a quiet connection; shutdown stops", arguments: ServerConfiguration.Readiness.allCases)
    func timers(_ readiness: ServerConfiguration.Readiness) throws {
        let (server, port) = try TestServer.start {
            $0.readiness = readiness
            $0.timeouts.idle = .milliseconds(200)
        }
        let client = try HTTPConnection(port: port)
        #expect(try client.request("GET", "/ping").text == "pong")
        let start = Deadline.now()
        #expect(client.readsEOF())
        let waited = Double(Deadline.now().nanoseconds - start.nanoseconds) / 1e9
        #expect(waited > 0.1 && waited < 5, "closed after \(waited) s")
        server.shutdown(drainTimeout: .seconds(1))
        #expect(server.connectionCount == 0)
    }

    @Test("Dispatch readiness refuses TLS at start, with a message")
    func dispatchRefusesTLS() throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.readiness = .dispatch
        configuration.tls = TLSConfiguration(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        let server = Server(configuration: configuration, router: TestServer.router())
        let error = #expect(throws: SocketError.self) { try server.start() }
        #expect(error?.message.contains("Dispatch") == true, "\(String(describing: error))")
    }
}

import Foundation
import Synchronization
import AETestSupport
import Testing
@testable import HTTPServer

/// HTTP/1.1 behaviour over real sockets on 127.0.0.1, checked by the raw client and by h11.
@Suite struct ProtocolTests {
    /// Every response carries Date and (outside 1xx/204/304 and streams) Content-Length.
    static func expectStandardFields(_ response: H11Response, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.header("Date") != nil, "Date missing", sourceLocation: sourceLocation)
        #expect(response.header("Content-Length") != nil || response.header("Transfer-Encoding") == "chunked",
                "no Content-Length", sourceLocation: sourceLocation)
    }

    @Test("100 requests on one persistent connection all get answers")
    func persistentConnection() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        for i in 0 ..< 100 {
            try client.send("GET", "/items/\(i)")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.text == "item \(i)")
        }
        #expect(server.connectionCount == 1)
    }

    @Test("h11 reads 100 keep-alive responses with Date and Content-Length, strictly framed")
    func persistentConnectionH11() throws {
        guard H11.available else { return }
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let requests = (0 ..< 100).map { H11Request(target: "/items/\($0)") }
        let result = try H11.exchange(port: port, requests)
        #expect(result.responses.count == 100)
        for (i, response) in result.responses.enumerated() {
            #expect(response.body == "item \(i)")
            Self.expectStandardFields(response)
        }
    }

    @Test("pipelined requests in one packet are answered in order, with bodies of both framings")
    func pipelining() throws {
        guard H11.available else { return }
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let requests = [
            H11Request(target: "/slow?ms=50"),
            H11Request(method: "POST", target: "/echo", headers: [["Host", "t"], ["Content-Length", "5"]], body: "hello"),
            H11Request(method: "POST", target: "/echo", headers: [["Host", "t"], ["Transfer-Encoding", "chunked"]], body: "chunky"),
            H11Request(method: "HEAD", target: "/text?size=100"),
            H11Request(target: "/items/last"),
        ]
        let result = try H11.exchange(port: port, requests)
        #expect(result.responses.map(\.status) == [200, 200, 200, 200, 200])
        #expect(result.responses.map(\.body) == ["slept 50", "hello", "chunky", "", "item last"])
        for response in result.responses { Self.expectStandardFields(response) }
    }

    @Test("raw pipelining: three requests in one write, answered in order on one connection")
    func rawPipelining() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /items/3 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "item 1")
        #expect(try client.readResponse().text == "abc")
        #expect(try client.readResponse().text == "item 3")
    }

    @Test("a chunked request body with extensions and trailers reaches the handler decoded")
    func chunkedRequestBody() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "4;ext=1\r\nWiki\r\n5 ; a=\"b\"\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200 && response.text == "Wikipedia")
    }

    @Test("Expect: 100-continue gets 100 before the body is sent, then the final response")
    func expectContinue() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("hello")
        let final = try client.readResponse()
        #expect(final.status == 200 && final.text == "5")
    }

    @Test("Expect: 100-continue with a declared length over the limit gets 413 instead of 100, then close")
    func expectContinueTooLarge() throws {
        let (server, port) = try TestServer.start { $0.limits.maxBodySize = 1000 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(client.readsEOF())
    }

    @Test("HEAD gets GET's headers and Content-Length without a body")
    func head() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("HEAD /items/7 HTTP/1.1\r\nHost: t\r\n\r\nGET /items/8 HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(head: true)
        #expect(head.status == 200 && head.header("Content-Length") == "6" && head.body.isEmpty)
        #expect(try client.readResponse().text == "item 8")  // no stray body bytes in between
    }

    @Test("HTTP/1.0 closes after the response unless keep-alive is asked for")
    func http10() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let plain = try HTTPConnection(port: port)
        try plain.send("GET /ping HTTP/1.0\r\n\r\n")
        let first = try plain.readResponse()
        #expect(first.status == 200 && first.text == "pong" && first.header("Connection") == "close")
        #expect(plain.readsEOF())

        let keepAlive = try HTTPConnection(port: port)
        for _ in 0 ..< 3 {
            try keepAlive.send("GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try keepAlive.readResponse()
            #expect(response.text == "pong" && response.header("Connection") == "keep-alive")
        }
    }

    @Test("Connection: close is honoured: the response says close and the socket closes")
    func connectionClose() throws {
        guard H11.available else { return }
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let result = try H11.exchange(port: port, [H11Request(headers: [["Host", "t"], ["Connection", "close"]])],
                                      expectClose: true)
        #expect(result.responses.first?.header("Connection") == "close")
        #expect(result.closed)
    }

    @Test("a chunked streaming response and an SSE stream are framed correctly (h11)")
    func streaming() throws {
        guard H11.available else { return }
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let result = try H11.exchange(port: port, [H11Request(target: "/stream"), H11Request(target: "/events"),
                                                   H11Request(target: "/ping")])
        #expect(result.responses.count == 3)
        #expect(result.responses[0].body == (0 ..< 5).map { "part \($0)\n" }.joined())
        #expect(result.responses[0].header("Transfer-Encoding") == "chunked")
        #expect(result.responses[1].header("Content-Type") == "text/event-stream")
        #expect(result.responses[1].body.contains("event: progress\nid: 2\ndata: step 2\n\n"))
        #expect(result.responses[2].body == "pong")
        for response in result.responses { Self.expectStandardFields(response) }
    }

    @Test("a 4 MiB response reaches a slow reader completely (h11, small reads with pauses)")
    func slowReader() throws {
        guard H11.available else { return }
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let size = 4 << 20
        let result = try H11.exchange(port: port, [H11Request(target: "/big?size=\(size)"), H11Request(target: "/ping")],
                                      readSize: 256 * 1024, readDelay: 0.01)
        #expect(result.responses.count == 2)
        let body = result.responses[0].body.unicodeScalars.map { UInt8($0.value) }
        #expect(body.count == size)
        #expect(body == (0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        #expect(result.responses[1].body == "pong")
    }

    @Test("404 from the router, 405 with Allow, path parameters percent-decoded")
    func routing() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/nowhere")
        #expect(try client.readResponse().status == 404)
        try client.send("DELETE /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 405 && response.header("Allow") == "GET, HEAD")
        try client.send("GET", "/items/a%20b")
        #expect(try client.readResponse().text == "item a b")
    }

    @Test("a slow handler does not hold other connections")
    func slowHandlerIsolation() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(2)) }
        let slow = try HTTPConnection(port: port)
        try slow.send("GET", "/slow?ms=1500")
        let start = Deadline.now()
        for _ in 0 ..< 20 {
            let fast = try HTTPConnection(port: port)
            try fast.send("GET", "/ping")
            #expect(try fast.readResponse().text == "pong")
        }
        #expect(Deadline.now().nanoseconds - start.nanoseconds < 1_000_000_000)
        #expect(try slow.readResponse().text == "slept 1500")
    }

    @Test("a client's X-Request-Id is echoed only when it is 1–128 visible ASCII characters (regression, issue 11)")
    func requestIDIsBounded() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        let kept = ["abc-123", String(repeating: "x", count: 128)]
        let replaced = [String(repeating: "y", count: 129), String(repeating: "z", count: 8000), "two words", "caf\u{e9}"]
        for id in kept + replaced {
            let echoed = try client.request("GET", "/ping", headers: [("X-Request-Id", id)]).header("X-Request-Id")
            if kept.contains(id) {
                #expect(echoed == id)
            } else {
                #expect(echoed != nil && echoed != id && echoed!.utf8.count <= 16, "\(id.prefix(20)) came back as \(echoed ?? "nothing")")
            }
        }
    }

    @Test("the access log hook sees method, path, status, bytes and request id")
    func accessLog() throws {
        let entries = Mutex<[AccessLogEntry]>([])
        let (server, port) = try TestServer.start { $0.accessLog = { entry in entries.withLock { $0.append(entry) } } }
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/items/5", headers: [("X-Request-Id", "abc")])
        _ = try client.readResponse()
        server.shutdown(drainTimeout: .seconds(1))
        let entry = entries.withLock { $0.first }
        #expect(entry?.method == .get && entry?.path == "/items/5" && entry?.status == 200)
        #expect(entry?.bytes == 6 && entry?.requestID == "abc")
    }
}

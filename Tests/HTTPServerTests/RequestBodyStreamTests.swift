import AETestSupport
import Compression
import Foundation
import Glibc
import Synchronization
import Testing
@testable import HTTPServer

/// Routes that read their bodies as they stream, and what their handlers saw.
private final class StreamRoutes: Sendable {
    /// One line per finished handler: "ok <bytes> <parts> <checksum>" or "error <error>".
    let outcomes = Mutex<[String]>([])

    /// `/sink` (1 MiB) reads all and answers "<bytes> <parts> <checksum>"; `/refuse` answers
    /// 403 without reading; `/first` reads one part and answers; `/echo` is a whole body.
    func router(sinkLimit: Int = 1 << 20) -> Router {
        var router = Router()
        router.add(.post, "/sink", body: .streamed(limit: sinkLimit)) { [self] request in
            var bytes = 0, parts = 0
            var checksum: UInt32 = 0
            do {
                while let chunk = try await request.bodyStream?.next() {
                    bytes += chunk.count
                    parts += 1
                    for byte in chunk { checksum = checksum &* 31 &+ UInt32(byte) }
                }
            } catch {
                outcomes.withLock { $0.append("error \(error)") }
                throw error
            }
            outcomes.withLock { $0.append("ok \(bytes) \(parts) \(checksum)") }
            return .text("\(bytes) \(parts) \(checksum)")
        }
        router.add(.post, "/refuse", body: .streamed(limit: sinkLimit)) { _ in .text("no", status: .forbidden) }
        router.add(.post, "/first", body: .streamed(limit: sinkLimit)) { request in
            let first = try await request.bodyStream?.next() ?? []
            return .text("first \(first.count)")
        }
        router.add(.post, "/echo") { request in .text("\(request.body.count)") }
        return router
    }

    /// Waits (bounded) for a handler to finish and returns what it saw.
    func nextOutcome(timeout: Duration = .seconds(10)) -> String? {
        let limit = Deadline.now().adding(timeout)
        while Deadline.now() < limit {
            if let first = outcomes.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return first }
            usleep(2_000)
        }
        return nil
    }
}

/// `count` patterned bytes, and the checksum `/sink` computes for them.
private func pattern(_ count: Int) -> (bytes: [UInt8], checksum: UInt32) {
    let bytes = (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 11) }
    return (bytes, bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) })
}

/// `bytes` as a chunked body in chunks of `size` bytes.
private func chunked(_ bytes: [UInt8], size: Int) -> [UInt8] {
    var wire: [UInt8] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        wire += Array("\(String(end - start, radix: 16))\r\n".utf8) + bytes[start ..< end] + Array("\r\n".utf8)
        start = end
    }
    return wire + Array("0\r\n\r\n".utf8)
}

@Suite struct RequestBodyStreamTests {
    @Test("a streaming route gets a Content-Length and a chunked body in several parts, byte for byte")
    func contentLengthAndChunked() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let (bytes, checksum) = pattern(900_000)
        let client = try HTTPConnection(port: port)
        let whole = try client.request("POST", "/sink", body: bytes, contentType: "application/octet-stream")
        let fields = whole.text.split(separator: " ")
        #expect(whole.status == 200 && fields[0] == "900000" && fields[2] == "\(checksum)", "\(whole.text)")
        #expect((Int(fields[1]) ?? 0) > 1, "the body came in one part: it was not streamed")
        // The same connection goes on: a chunked body of uneven chunks.
        try client.send(Array("POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + chunked(bytes, size: 77_777))
        let parts = try client.readResponse()
        #expect(parts.status == 200 && parts.text.hasPrefix("900000 ") && parts.text.hasSuffix(" \(checksum)"), "\(parts.text)")
        #expect(routes.nextOutcome()?.hasPrefix("ok 900000") == true)
    }

    @Test("a streaming route has its own body limit; other routes keep the server's")
    func perRouteLimits() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start({ $0.limits.maxBodySize = 64 << 10 }, router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let body = pattern(500_000).bytes
        #expect(try HTTPConnection(port: port).request("POST", "/sink", body: body).text.hasPrefix("500000 "))
        #expect(try HTTPConnection(port: port).request("POST", "/echo", body: body).status == 413)
        #expect(try HTTPConnection(port: port).request("POST", "/echo", body: Array(body.prefix(60_000))).text == "60000")
        // Over the streaming route's own limit, declared: refused with the head.
        let over = try HTTPConnection(port: port)
        try over.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: \((1 << 20) + 1)\r\n\r\n")
        #expect(try over.readResponse().status == 413)
    }

    @Test("100 Continue comes when the handler first reads; a declared length over the limit gets 413 instead")
    func expectContinue() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        try client.send("hello")
        #expect(try client.readResponse().text.hasPrefix("5 1 "))

        let tooLarge = try HTTPConnection(port: port)
        try tooLarge.send("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        let refused = try tooLarge.readResponse()
        #expect(refused.status == 413 && refused.header("Connection") == "close")

        // A handler that answers without reading: no 100, its answer, and the connection closes.
        let refusing = try HTTPConnection(port: port)
        try refusing.send("POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
        let answer = try refusing.readResponse()
        #expect(answer.status == 403 && answer.header("Connection") == "close")
    }

    @Test("a chunked body that passes the limit while it streams is refused with 413, and the handler learns why")
    func chunkedOverLimit() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router(sinkLimit: 300_000))
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send(Array("POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                        + chunked(pattern(400_000).bytes, size: 50_000))
        #expect(try client.readResponse().status == 413)
        #expect(routes.nextOutcome() == "error \(HTTPBodyError.refused(.bodyTooLarge))")
    }

    @Test("a gzip body inflates as it streams, held to the route's limit; one that does not inflate is a 400")
    func gzipBodies() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router(sinkLimit: 2 << 20))
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let (bytes, checksum) = pattern(1_500_000)
        let gzip = [("Content-Encoding", "gzip")]
        let fine = try HTTPConnection(port: port).request("POST", "/sink", headers: gzip, body: Gzip.compress(bytes))
        #expect(fine.status == 200 && fine.text.hasPrefix("1500000 ") && fine.text.hasSuffix(" \(checksum)"), "\(fine.text)")
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 3 << 20))
        #expect(try HTTPConnection(port: port).request("POST", "/sink", headers: gzip, body: bomb).status == 413)
        let garbage = try HTTPConnection(port: port).request("POST", "/sink", headers: gzip, body: Array("not gzip at all".utf8))
        #expect(garbage.status == 400)
    }

    @Test("a client that goes away mid-body ends the handler's read with an error")
    func clientGoesAway() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        do {
            let client = try HTTPConnection(port: port)
            try client.send(Array("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 500000\r\n\r\n".utf8) + pattern(200_000).bytes)
        }  // closed here
        #expect(routes.nextOutcome() == "error \(HTTPBodyError.connectionClosed)")
    }

    @Test("a client that stalls mid-body gets 408 once the body timeout passes with nothing sent")
    func stalledClient() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start({ $0.timeouts.bodyRead = .milliseconds(300) }, router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send(Array("POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n".utf8) + pattern(400).bytes)
        #expect(try client.readResponse().status == 408)
        #expect(routes.nextOutcome() == "error \(HTTPBodyError.refused(.bodyTimeout))")
    }

    @Test("an answer before the body's end is sent, and the connection closes after it")
    func earlyAnswer() throws {
        let routes = StreamRoutes()
        let (server, port) = try TestServer.start(router: routes.router())
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        try client.send(Array("POST /first HTTP/1.1\r\nHost: t\r\nContent-Length: 900000\r\n\r\n".utf8) + pattern(100_000).bytes)
        let answer = try client.readResponse()
        #expect(answer.text.hasPrefix("first ") && answer.header("Connection") == "close")
    }

    @Test("a request built in process streams its body to a streaming route")
    func inProcess() async throws {
        let routes = StreamRoutes()
        let response = await routes.router().respond(to: HTTPRequest(method: .post, target: "/sink", body: Array("abc".utf8)))
        guard case .bytes(let body) = response.body else { Issue.record("a streamed answer"); return }
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("3 1 "))
    }

    @Test("a 1 GiB upload streams through a live server whose resident memory grows by less than 64 MB")
    func gigabyteUpload() throws {
        let server = try BenchServerProcess()
        let before = server.residentKiB
        let client = try HTTPConnection(port: server.port, timeout: 120)
        let total = 1 << 30
        try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: \(total)\r\n\r\n")
        let block = pattern(1 << 20).bytes
        for _ in 0 ..< total / block.count { try client.send(block) }
        let answer = try client.readResponse()
        #expect(answer.text == "{\"bytes\":\(total)}")
        let peak = server.peakResidentKiB
        #expect(before > 0 && peak - before < 64 * 1024, "resident memory went from \(before) KiB to a peak of \(peak) KiB")
    }
}

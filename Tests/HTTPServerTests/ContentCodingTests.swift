import Foundation
import AETestSupport
import Testing
import Compression
@testable import HTTPServer

@Suite struct ContentCodingTests {
    static let text = Array(String(repeating: "all work and no play makes jack a dull boy\n", count: 500).utf8)

    @Test("request bodies: gzip and zlib-wrapped deflate inflate; a bomb is bodyTooLarge, garbage invalidContentEncoding")
    func inflateBodies() throws {
        #expect(try ContentCoding.inflate(Gzip.compress(Self.text), limit: 1 << 20) == Self.text)
        // zlib.compress(b"hello deflate") in Python (RFC 9110 §8.4.1.2: "deflate" is zlib-wrapped).
        let deflate: [UInt8] = [120, 156, 203, 72, 205, 201, 201, 87, 72, 73, 77, 203, 73, 44, 73, 5, 0, 35, 12, 5, 10]
        #expect(try ContentCoding.inflate(deflate, limit: 100) == Array("hello deflate".utf8))
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 10 << 20))
        #expect(throws: HTTPParseError.bodyTooLarge) { try ContentCoding.inflate(bomb, limit: 1 << 20) }
        #expect(throws: HTTPParseError.invalidContentEncoding) { try ContentCoding.inflate(Array("plain".utf8), limit: 100) }
        #expect(throws: HTTPParseError.invalidContentEncoding) { try ContentCoding.inflate([], limit: 100) }
        let truncated = Array(Gzip.compress(Self.text).dropLast(10))
        #expect(throws: HTTPParseError.invalidContentEncoding) { try ContentCoding.inflate(truncated, limit: 1 << 20) }
    }

    @Test("Accept-Encoding: gzip and * with q-values")
    func acceptEncoding() {
        #expect(ContentCoding.acceptsGzip("gzip, deflate"))
        #expect(ContentCoding.acceptsGzip("br;q=1.0, GZIP;q=0.5"))
        #expect(!ContentCoding.acceptsGzip("gzip;q=0"))
        #expect(ContentCoding.acceptsGzip("*"))
        #expect(!ContentCoding.acceptsGzip("identity"))
    }

    @Test("over a socket: curl --compressed decodes a gzip response that carries Vary: Accept-Encoding")
    func curlCompressed() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let (status, out, err) = try runProcess("/usr/bin/curl", ["-sS", "--compressed", "-D", "/dev/stderr",
                                                                 "http://127.0.0.1:\(port)/text?size=5000"])
        #expect(status == 0)
        let headers = String(decoding: err, as: UTF8.self).lowercased()
        #expect(headers.contains("content-encoding: gzip"))
        #expect(headers.contains("vary: accept-encoding"))
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: "all work and no play ", count: 5000 / 21 + 1))

        // Without Accept-Encoding, and under 1 KiB: identity.
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/text?size=5000")
        let plain = try client.readResponse()
        #expect(plain.header("Content-Encoding") == nil && plain.body.count >= 5000)
        try client.send("GET", "/ping", headers: [("Accept-Encoding", "gzip")])
        #expect(try client.readResponse().header("Content-Encoding") == nil)
    }

    @Test("a Content-Encoding: gzip request body is inflated; a gzip bomb gets 413")
    func gzipRequestBody() throws {
        let (server, port) = try TestServer.start { $0.limits.maxInflatedBodySize = 1 << 20 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try HTTPConnection(port: port)
        let body = Gzip.compress(Self.text)
        try client.send(Array("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        #expect(try client.readResponse().text == "\(Self.text.count)")

        let bomb = Gzip.compress([UInt8](repeating: 0, count: 10 << 20))
        try client.send(Array("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n".utf8) + bomb)
        let refused = try client.readResponse()
        #expect(refused.status == 413 && refused.header("Connection") == "close")
        #expect(client.readsEOF())

        let garbage = try HTTPConnection(port: port)
        try garbage.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try garbage.readResponse().status == 400)
    }
}

import Foundation
import Testing
@testable import HTTPServer

@Suite struct ContentCodingTests {
    static let text = Array(String(repeating: "all work and no play makes jack a dull boy\n", count: 500).utf8)

    @Test("gzip output inflates back to the input")
    func roundTrip() throws {
        let compressed = ContentCoding.gzip(Self.text)
        #expect(compressed.count < Self.text.count / 10)
        #expect(try ContentCoding.gunzip(compressed, limit: 1 << 20) == Self.text)
        #expect(try ContentCoding.gunzip(ContentCoding.gzip([]), limit: 10) == [])
    }

    @Test("a zlib-wrapped deflate body (RFC 9110 §8.4.1.2, as Python's zlib.compress makes it) inflates too")
    func deflate() throws {
        // zlib.compress(b"hello deflate")
        let body: [UInt8] = [120, 156, 203, 72, 205, 201, 201, 87, 72, 73, 77, 203, 73, 44, 73, 5, 0, 35, 12, 5, 10]
        #expect(try ContentCoding.gunzip(body, limit: 100) == Array("hello deflate".utf8))
    }

    @Test("inflating stops with bodyTooLarge as soon as the output passes the limit")
    func inflateLimit() {
        let bomb = ContentCoding.gzip([UInt8](repeating: 0, count: 10 << 20))
        #expect(throws: HTTPParseError.bodyTooLarge) { try ContentCoding.gunzip(bomb, limit: 1 << 20) }
    }

    @Test("bytes that are not gzip, or a truncated member, are invalidContentEncoding")
    func invalid() {
        #expect(throws: HTTPParseError.invalidContentEncoding) { try ContentCoding.gunzip(Array("plain".utf8), limit: 100) }
        let truncated = Array(ContentCoding.gzip(Self.text).dropLast(10))
        #expect(throws: HTTPParseError.invalidContentEncoding) { try ContentCoding.gunzip(truncated, limit: 1 << 20) }
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
        let client = try TestClient(port: port)
        try client.get("/text?size=5000")
        let plain = try client.readResponse()
        #expect(plain.headers["Content-Encoding"] == nil && plain.body.count >= 5000)
        try client.get("/ping", headers: ["Accept-Encoding: gzip"])
        #expect(try client.readResponse().headers["Content-Encoding"] == nil)
    }

    @Test("a Content-Encoding: gzip request body is inflated; a gzip bomb gets 413")
    func gzipRequestBody() throws {
        let (server, port) = try TestServer.start { $0.limits.maxInflatedBodySize = 1 << 20 }
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let client = try TestClient(port: port)
        let body = ContentCoding.gzip(Self.text)
        try client.send(Array("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        #expect(try client.readResponse().text == "\(Self.text.count)")

        let bomb = ContentCoding.gzip([UInt8](repeating: 0, count: 10 << 20))
        try client.send(Array("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n".utf8) + bomb)
        let refused = try client.readResponse()
        #expect(refused.status == 413 && refused.headers["Connection"] == "close")
        #expect(client.readsEOF())

        let garbage = try TestClient(port: port)
        try garbage.send("POST /length HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try garbage.readResponse().status == 400)
    }
}

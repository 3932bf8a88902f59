import Foundation
import Testing
import AETestSupport
@testable import HTTPServer

@Suite struct TLSTests {
    @Test("with a certificate and key, curl --cacert gets answers; plain HTTP on the port fails cleanly and serving goes on")
    func https() throws {
        let folder = try TestEnvironment.temporaryDirectory("aeserve-tls")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        let made = try runProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        #expect(made.status == 0, "\(String(decoding: made.stderr, as: UTF8.self))")
        let (server, port) = try TestServer.start {
            $0.tls = TLSConfiguration(certificateChainPath: cert, privateKeyPath: key)
        }
        defer { server.shutdown(drainTimeout: .seconds(1)) }

        func curl(_ path: String) throws -> (Int32, String) {
            let result = try runProcess("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", cert,
                                                         "https://127.0.0.1:\(port)\(path)"])
            return (result.status, String(decoding: result.stdout, as: UTF8.self))
        }
        #expect(try curl("/ping") == (0, "pong"))
        let big = try curl("/text?size=100000")
        #expect(big.0 == 0 && big.1.count >= 100_000)

        let plain = try HTTPConnection(port: port)
        try plain.send("GET", "/ping")
        let reply = plain.readAll()
        #expect(!String(decoding: reply, as: UTF8.self).contains("pong"))

        #expect(try curl("/items/after") == (0, "item after"))
    }

    @Test("curl speaking TLS to the plain port fails at once, not at the header timeout; raw ClientHello bytes get 400 (regression, issue 11)")
    func tlsClientOnPlainPort() throws {
        let (server, port) = try TestServer.start()  // the default 10 s header timeout
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        let start = Deadline.now()
        let result = try runProcess("/usr/bin/curl", ["-sS", "--max-time", "8", "https://127.0.0.1:\(port)/ping"])
        let elapsed = Double(Deadline.now().nanoseconds - start.nanoseconds) / 1e9
        #expect(result.status != 0 && result.status != 28, "curl exit \(result.status)")  // 28: curl timed out
        #expect(elapsed < 3, "curl gave up after \(elapsed) s")

        let client = try HTTPConnection(port: port, timeout: 3)
        try client.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03] + [UInt8](repeating: 0x2a, count: 32))
        #expect(try client.readResponse().status == 400)
        #expect(client.readsEOF())
    }

    @Test("a missing certificate file is an error that names it")
    func missingCertificate() {
        let server = Server(configuration: {
            var c = ServerConfiguration(port: 0)
            c.tls = TLSConfiguration(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
            return c
        }(), router: Router())
        #expect { try server.start() } throws: { "\($0)".contains("/nonexistent/cert.pem") }
    }
}

// Who may call the mutating endpoints, over a real socket: a configured Bearer key, or with
// no key only loopback peers that no proxy relayed (other peers through the injected peer address).
import AETestSupport
import Foundation
import HTTPServer
import Testing

@Suite("Auth (live)")
struct AuthTests {
    @Test("with API keys configured: 401 without credentials, 403 with a wrong key, 2xx with a right one; reads need none")
    func configuredKeys() throws {
        let live = try LiveService(configure: { $0.apiKeys = ["first-key", "second-key"] })
        defer { live.stop() }
        let mutating: [(String, String, String?)] = [
            ("POST", "/models/small/activate", #"{"version": 1}"#),
            ("POST", "/train-job", JobTests.body(epochs: 1)),
        ]
        for (method, path, body) in mutating {
            let bytes = body.map { Array($0.utf8) }
            let none = try live.request(method, path, body: bytes)
            expectError(none, 401, "unauthorized", mentions: ["Bearer"])
            #expect(none.header("WWW-Authenticate") == "Bearer")
            expectError(try live.request(method, path, headers: [("Authorization", "Basic Zm9vOmJhcg==")], body: bytes), 401)
            expectError(try live.request(method, path, headers: [("Authorization", "Bearer wrong-key")], body: bytes), 403, "forbidden")
            expectError(try live.request(method, path, headers: [("Authorization", "Bearer first-key-")], body: bytes), 403)
            let right = try live.request(method, path, headers: [("Authorization", "Bearer second-key")], body: bytes)
            #expect((200..<300).contains(right.status), "\(method) \(path): \(right.status) \(right.text)")
        }
        let id = try #require(try live.get("/train-job").json()["jobs"]?[0]?["id"]?.string)
        expectError(try live.request("DELETE", "/train-job/\(id)"), 401)
        let cancel = try live.request("DELETE", "/train-job/\(id)", headers: [("Authorization", "Bearer first-key")])
        #expect([200, 409].contains(cancel.status), "\(cancel.text)")
        // Reads and inference need no key.
        #expect(try live.get("/models").status == 200)
        #expect(try live.get("/train-job/\(id)").status == 200)
        #expect(try live.post("/encode", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#).status == 200)
    }

    @Test("with no API key: loopback peers may call the mutating endpoints, other peers get a 403 naming the settings")
    func loopbackOnly() throws {
        // The peer is the real one unless the request names another in X-Test-Peer.
        let live = try LiveService(peerOverride: { request in
            request.headers["X-Test-Peer"].map { SocketAddress(host: $0, port: 40000) } ?? request.peer
        })
        defer { live.stop() }
        #expect(try live.post("/models/small/activate", #"{"version": 1}"#).status == 200)
        for host in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            let response = try live.post("/models/small/activate", #"{"version": 1}"#, headers: [("X-Test-Peer", host)])
            #expect(response.status == 200, "\(host): \(response.text)")
        }
        for host in ["10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5", "2001:db8::1", "128.0.0.1"] {
            for (method, path, body) in [("POST", "/models/small/activate", #"{"version": 1}"#),
                                         ("POST", "/train-job", JobTests.body(epochs: 1)),
                                         ("DELETE", "/train-job/job-x", "")] {
                let response = try live.request(method, path, headers: [("X-Test-Peer", host)],
                                                body: body.isEmpty ? nil : Array(body.utf8))
                expectError(response, 403, "forbidden", mentions: ["loopback", "auth.api_keys"])
            }
            // Reading stays open to everyone.
            #expect(try live.get("/models", headers: [("X-Test-Peer", host)]).status == 200)
            #expect(try live.post("/encode", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#, headers: [("X-Test-Peer", host)]).status == 200)
        }
        #expect(try live.get("/train-job").json()["jobs"]?.array?.isEmpty == true)
    }

    @Test("regression: with no API key, a loopback request relayed by a proxy (Forwarded, X-Forwarded-For, …) gets 403, not the loopback exemption")
    func relayedByProxy() throws {
        let live = try LiveService()
        defer { live.stop() }
        let relayed: [(String, String)] = [
            ("Forwarded", "for=203.0.113.7;proto=https"), ("forwarded", "for=127.0.0.1"),
            ("X-Forwarded-For", "198.51.100.2, 127.0.0.1"), ("x-forwarded-for", ""),
            ("X-Real-IP", "192.0.2.9"), ("X-Forwarded-Host", "aeserve.example"),
            ("X-Forwarded-Proto", "https"), ("Via", "1.1 nginx"),
        ]
        for header in relayed {
            for (method, path, body) in [("POST", "/models/small/activate", #"{"version": 1}"#),
                                         ("POST", "/train-job", JobTests.body(epochs: 1)),
                                         ("DELETE", "/train-job/job-x", "")] {
                let response = try live.request(method, path, headers: [header],
                                                body: body.isEmpty ? nil : Array(body.utf8))
                expectError(response, 403, "forbidden", mentions: ["proxy", "auth.api_keys"])
            }
            // Reading stays open to relayed clients too.
            #expect(try live.get("/models", headers: [header]).status == 200)
        }
        #expect(try live.get("/train-job").json()["jobs"]?.array?.isEmpty == true, "no relayed job was queued")
        // The same loopback client with no proxy header keeps the exemption.
        #expect(try live.post("/models/small/activate", #"{"version": 1}"#).status == 200)
    }

    @Test("with API keys configured, a relayed request with the right key is served: the key, not the address, decides")
    func relayedWithKey() throws {
        let live = try LiveService(configure: { $0.apiKeys = ["proxy-key"] })
        defer { live.stop() }
        let response = try live.post("/models/small/activate", #"{"version": 1}"#,
                                     headers: [("X-Forwarded-For", "203.0.113.7"), ("Authorization", "Bearer proxy-key")])
        #expect(response.status == 200, "\(response.text)")
    }
}

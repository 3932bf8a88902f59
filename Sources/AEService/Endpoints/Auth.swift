// Who may call the mutating endpoints: a configured Bearer key, or (with no key configured)
// only clients on loopback that no proxy relayed.
import Foundation
import HTTPServer

extension Service {
    /// Throws 401 (no credentials), 403 (wrong key, or not loopback or relayed by a proxy when no
    /// key is configured).
    func authorize(_ request: HTTPRequest) throws(APIError) {
        let keys = configuration.apiKeys
        if keys.isEmpty {
            let peer = peerOverride?(request) ?? request.peer
            guard let peer, Self.isLoopback(peer.host) else {
                throw APIError(403, "forbidden", """
                    this endpoint answers only clients on loopback when no API key is configured \
                    (settings auth.api_keys, auth.api_keys_file)
                    """)
            }
            // Behind a reverse proxy on the same host every request arrives from loopback; one
            // the proxy relayed says so in a header, and its real client may be anywhere.
            if let relayed = Self.proxyHeaders.first(where: { request.headers.contains($0) }) {
                throw APIError(403, "forbidden", """
                    this request came through a proxy (it carries \(relayed)), and with no API key \
                    configured this endpoint answers only clients on loopback itself; configure \
                    auth.api_keys or auth.api_keys_file
                    """)
            }
            return
        }
        guard let header = request.headers["Authorization"] else {
            throw APIError(401, "unauthorized", "this endpoint needs Authorization: Bearer <key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(401, "unauthorized", "the Authorization header must be 'Bearer <key>'")
        }
        let presented = Array(parts[1].utf8)
        // Compare against every key without stopping early, so timing does not reveal a prefix.
        var matched = false
        for key in keys where Self.constantTimeEqual(Array(key.utf8), presented) { matched = true }
        guard matched else { throw APIError(403, "forbidden", "the API key is not valid") }
    }

    /// Headers a proxy adds to a request it relays (RFC 7239 `Forwarded`, RFC 9110 §7.6.3
    /// `Via`, and the de facto `X-Forwarded-*` and nginx's `X-Real-IP`).
    static let proxyHeaders = ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
                               "X-Real-IP", "Via"]

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host.hasPrefix("127.") || host == "localhost" || host.hasPrefix("::ffff:127.")
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

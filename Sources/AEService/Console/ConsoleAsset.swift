// One file of the web console, ready to send: its bytes, a gzip copy made once, and an entity
// tag per representation, so a browser revalidates with If-None-Match and gets a 304.
import AECheckpoint
import Compression
import Foundation
import HTTPServer

/// A console file with its content type, entity tags and a precompressed gzip copy.
struct ConsoleAsset: Sendable {
    /// The media type sent as Content-Type.
    let contentType: String
    /// The file's bytes.
    let bytes: [UInt8]
    /// The gzip copy, or nil when gzip would not make it smaller.
    let gzipped: [UInt8]?
    /// The strong entity tag of the identity representation (quoted).
    let etag: String
    /// The entity tag of the gzip representation: a different one, as RFC 9110 §8.8.3 asks
    /// of representations that differ in their bytes.
    var gzipETag: String { String(etag.dropLast()) + "-gzip\"" }

    /// The asset `bytes` served as `contentType`.
    init(contentType: String, bytes: [UInt8]) {
        self.contentType = contentType
        self.bytes = bytes
        // 16 bytes of SHA-256 name the content; a collision would need a deliberate attack on
        // our own build output.
        etag = "\"" + SHA256Digest.hex(of: bytes).prefix(32) + "\""
        let compressed = Gzip.compress(bytes, level: 9)
        gzipped = compressed.count < bytes.count ? compressed : nil
    }

    /// The answer to a GET or HEAD with these request fields: 304 when the client's copy is
    /// current, else the bytes (gzip when accepted). `no-cache` makes every use revalidate, so
    /// a new binary's console is seen at the next load and an unchanged one costs a 304.
    func response(to request: HTTPRequest) -> HTTPResponse {
        let useGzip = gzipped != nil && request.headers["Accept-Encoding"].map(ContentCoding.acceptsGzip) == true
        let tag = useGzip ? gzipETag : etag
        var headers: HTTPHeaders = [
            "ETag": tag,
            "Cache-Control": "no-cache",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        ]
        if let condition = request.headers["If-None-Match"], Self.matches(condition, tag) {
            return HTTPResponse(status: HTTPStatus(304), headers: headers)
        }
        headers.set("Content-Type", contentType)
        // Pages may load only our own scripts, styles and data: nothing from a CDN, no inline code.
        headers.set("Content-Security-Policy", Self.contentSecurityPolicy)
        if useGzip, let gzipped {
            headers.set("Content-Encoding", "gzip")
            return HTTPResponse(headers: headers, body: gzipped)
        }
        return HTTPResponse(headers: headers, body: bytes)
    }

    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    /// RFC 9110 §13.1.2: If-None-Match holds `*` or a list of entity tags, compared weakly
    /// (a `W/` prefix is ignored).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        let wanted = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
        for part in condition.split(separator: ",") {
            var candidate = part.trimmingCharacters(in: .whitespaces)
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { candidate.removeFirst(2) }
            if candidate == wanted { return true }
        }
        return false
    }

    /// The media type of a console file, by its extension.
    static func contentType(ofFile name: String) -> String {
        switch name.split(separator: ".").last.map(String.init) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}

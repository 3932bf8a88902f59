// The content codings the server speaks (RFC 9110 §8.4): gzip for response bodies a client
// accepts, gzip or zlib-wrapped deflate for request bodies, through the Compression module.
import Compression

/// Which codings a client accepts, and request bodies inflated under the body limit.
public enum ContentCoding {
    /// Inflates a `Content-Encoding: gzip` or `deflate` body (RFC 9110 §8.4.1.2: "deflate" is
    /// zlib-wrapped, as tritonclient sends it); output over `limit` bytes is refused as soon
    /// as it passes the limit, so a gzip bomb costs little.
    static func inflate(_ body: [UInt8], limit: Int) throws(HTTPParseError) -> [UInt8] {
        do {
            return try Inflater.inflate(body, accepting: [.gzip, .zlib], limit: limit)
        } catch {
            throw error.kind == .tooLarge ? .bodyTooLarge : .invalidContentEncoding
        }
    }

    /// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3: `gzip` or `*`, q > 0).
    public static func acceptsGzip(_ acceptEncoding: String) -> Bool {
        var star: Bool?
        for element in acceptEncoding.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingSpaces.lowercased() else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let kv = parameter.trimmingSpaces.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].lowercased() == "q" { weight = Double(kv[1].trimmingSpaces) ?? 0 }
            }
            if coding == "gzip" || coding == "x-gzip" { return weight > 0 }
            if coding == "*" { star = weight > 0 }
        }
        return star ?? false
    }
}

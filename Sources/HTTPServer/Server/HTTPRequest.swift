// What a handler sees of a request: checked head, whole or streamed body, peer, route parameters.

/// A request as handed to a handler: its head, and its body whole and already inflated, or
/// (for a streaming route) to be read as it arrives.
public struct HTTPRequest: Sendable {
    /// The request method (case-sensitive).
    public var method: HTTPMethod
    /// The request target exactly as sent (`/train-job/7?verbose=1`).
    public var target: String
    /// The path part of the target, still percent-encoded (`/train-job/7`).
    public var path: String
    /// The query part without `?`, or nil.
    public var query: String?
    /// HTTP/1.0 or HTTP/1.1 (other 1.x minors arrive as 1.1).
    public var version: HTTPVersion
    /// Header fields; lookups ignore case.
    public var headers: HTTPHeaders
    /// The whole body, de-chunked and (for `Content-Encoding: gzip`) inflated; empty for a
    /// route that streams its body (see `bodyStream`).
    public var body: [UInt8]
    /// The body as it arrives, for a route added with `body: .streamed(limit:)`; nil otherwise.
    public var bodyStream: HTTPBodyStream?
    /// The client's address, when known.
    public var peer: SocketAddress?
    /// Values of `{name}` segments of the matched route, percent-decoded.
    public var pathParameters: [String: String]
    /// The request's `X-Request-Id` (when 1–128 visible ASCII characters), or one the server made up.
    public var id: String
    /// How many other requests the server was handling (read, not yet answered) when this one
    /// was read: a handler can tell a lone request, which may use every core, from a busy server.
    public var othersInFlight = 0

    /// A request built in process (for calling a router without a socket).
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], peer: SocketAddress? = nil,
                id: String = "") {
        self.method = method
        self.target = target
        let (path, query) = Self.split(target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.peer = peer
        self.pathParameters = [:]
        self.id = id
    }

    /// The value of the route parameter `name` (`/train-job/{id}` → `parameter("id")`).
    public func parameter(_ name: String) -> String? { pathParameters[name] }

    /// The query's `name=value` pairs, percent-decoded, `+` read as a space.
    public var queryItems: [(name: String, value: String)] {
        guard let query else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                Self.percentDecode(s.replacingOccurrences(of: "+", with: " ")) ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of query item `name`.
    public func queryItem(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Splits a target into path and query; absolute-form targets keep only their path.
    static func split(_ target: String) -> (String, String?) {
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(where: { $0 == "/" || $0 == "?" }).map { rest[$0...] } ?? "/"
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }

    /// `%XX` sequences as bytes, read as UTF-8; nil for a malformed escape or invalid UTF-8.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap(ByteClass.hexValue),
                      let l = iterator.next().flatMap(ByteClass.hexValue) else { return nil }
                bytes.append(UInt8(h << 4 | l))
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension Substring {
    func replacingOccurrences(of a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}

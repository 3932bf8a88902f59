// A parsed request line and header block, with the framing and connection facts the
// server needs already worked out.

/// The HTTP version of a request (only 1.0 and 1.1 get this far).
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// How the request body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Hashable, Sendable {
    /// No body.
    case none
    /// Exactly this many bytes follow the head.
    case contentLength(Int)
    /// A chunked body follows.
    case chunked
}

/// A request line and header block, checked and interpreted.
public struct RequestHead: Equatable, Sendable {
    public var method: HTTPMethod
    /// The request target exactly as sent.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// Whether the connection may carry another request after this one.
    public var keepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending the body.
    public var expectsContinue: Bool
    /// Whether the body is compressed (`Content-Encoding: gzip` or `deflate`).
    public var gzipBody: Bool
}

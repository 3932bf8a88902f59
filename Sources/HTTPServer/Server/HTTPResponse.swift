// What a handler returns: a status, fields and either whole bytes or a stream it feeds.

/// A handler: takes a request, returns a response; thrown errors become a 500.
public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// A response: status, header fields and a body. The server adds Date, Content-Length or
/// Transfer-Encoding and Connection itself.
public struct HTTPResponse: Sendable {
    /// A response body.
    public enum Body: Sendable {
        /// The whole body at once (sent with Content-Length, gzip-compressed when allowed).
        case bytes([UInt8])
        /// A body produced while it is sent (chunked); ends when the closure returns.
        /// If the closure throws, the connection closes without the last chunk, so the
        /// client can tell the body is incomplete.
        case stream(@Sendable (ResponseBodyWriter) async throws -> Void)
    }

    /// The status line's code and reason.
    public var status: HTTPStatus
    /// Fields to send; the server's own (Date, Content-Length, Transfer-Encoding, Connection) are dropped.
    public var headers: HTTPHeaders
    /// Whole bytes or a stream.
    public var body: Body

    /// A response with a whole body.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    /// A response whose body `produce` writes as it goes (chunked on the wire).
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(),
                stream produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) {
        self.status = status
        self.headers = headers
        self.body = .stream(produce)
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"],
                     body: Array(text.utf8))
    }

    /// A server-sent event stream (`text/event-stream`, not cached); `produce` sends the events.
    ///
    /// ```swift
    /// HTTPResponse.serverSentEvents { events in
    ///     for step in 1...3 { try await events.writeEvent(data: "step \(step)", event: "progress") }
    /// }
    /// ```
    public static func serverSentEvents(
        headers: HTTPHeaders = HTTPHeaders(),
        _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void
    ) -> HTTPResponse {
        var fields = headers
        fields.set("Content-Type", "text/event-stream")
        fields.set("Cache-Control", "no-cache")
        return HTTPResponse(status: .ok, headers: fields, stream: produce)
    }

    var isStream: Bool { if case .stream = body { return true } else { return false } }
}

/// Feeds a streaming response body. Writes wait while the client is slow to read, so a
/// producer never buffers more than a few hundred KiB; they throw once the client is gone.
public final class ResponseBodyWriter: Sendable {
    let send: @Sendable ([UInt8]) async throws -> Void

    init(send: @escaping @Sendable ([UInt8]) async throws -> Void) { self.send = send }

    /// Sends `bytes` as one chunk (nothing for an empty array).
    public func write(_ bytes: [UInt8]) async throws {
        if bytes.isEmpty { return }
        try await send(bytes)
    }

    /// Sends the UTF-8 bytes of `text`.
    public func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// Sends one server-sent event (`event:`, `id:`, one `data:` line per line of `data`).
    public func writeEvent(data: String, event: String? = nil, id: String? = nil) async throws {
        var text = ""
        if let event { text += "event: \(event)\n" }
        if let id { text += "id: \(id)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        try await write(text + "\n")
    }
}

/// The stream's client went away before the body was complete.
public struct ResponseStreamClosed: Error, Sendable {}

// Request bodies a handler reads as they arrive: the route says so (and its own size limit),
// and the handler pulls chunks from `HTTPRequest.bodyStream`; the server reads more from the
// socket only as the handler takes them, so a large upload never sits in memory.
import Compression

/// How a route takes its request body, and how large the body may be.
public enum RequestBodyPolicy: Sendable, Equatable {
    /// The whole body in `HTTPRequest.body`, at most `limit` bytes as sent and once inflated
    /// (nil: the server's `limits.maxBodySize` and `maxInflatedBodySize`).
    case buffered(limit: Int?)
    /// The body read by the handler from `HTTPRequest.bodyStream` as it arrives, at most
    /// `limit` bytes as sent and once inflated. `Expect: 100-continue` is answered when the
    /// handler first reads, so a handler that refuses first never makes the client send.
    case streamed(limit: Int)

    /// The whole body, within the server's limits.
    public static let buffered = RequestBodyPolicy.buffered(limit: nil)

    var isStreamed: Bool { if case .streamed = self { true } else { false } }
}

/// Why a streamed body could not be read to its end.
public enum HTTPBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body broke the protocol or its limit; the server has answered with the error's
    /// status (413, 400, 408) and closes the connection, so the handler's answer is not sent.
    case refused(HTTPParseError)
    /// The connection closed (the client went away) before the body ended.
    case connectionClosed

    public var description: String {
        switch self {
        case .refused(let error): "request body refused: \(error.message)"
        case .connectionClosed: "the connection closed before the request body ended"
        }
    }
}

/// A request body read as it arrives, chunk by chunk, with back-pressure: each `next()` lets
/// the server read about one more socket buffer's worth. A `Content-Encoding: gzip` or
/// `deflate` body comes out inflated, held to the route's limit.
///
/// ```swift
/// router.add(.post, "/upload", body: .streamed(limit: 1 << 30)) { request in
///     var total = 0
///     while let chunk = try await request.bodyStream!.next() { total += chunk.count }
///     return .text("\(total) bytes\n")
/// }
/// ```
///
/// One task reads it at a time (the handler's); reading after it ended returns nil.
public final class HTTPBodyStream: @unchecked Sendable {
    /// The body's declared length (Content-Length), when it has one and is not compressed.
    public let declaredLength: Int?
    /// The most bytes the body may hold, as sent and once inflated.
    public let limit: Int
    private let source: BodySource?
    // Touched only by the reading task, one call at a time (see the type's note).
    private var inflater: Inflater?
    private var ended: Bool
    private var failure: HTTPBodyError?

    init(source: BodySource?, declaredLength: Int?, limit: Int, inflates: Bool) {
        self.source = source
        self.declaredLength = inflates ? nil : declaredLength
        self.limit = limit
        ended = source == nil
        inflater = inflates ? Inflater(accepting: [.gzip, .zlib], limit: limit) : nil
    }

    /// A body already complete, for requests built in process (tests, `Router.respond`).
    public convenience init(bytes: [UInt8]) {
        self.init(source: BodySource.whole(bytes), declaredLength: bytes.count, limit: .max, inflates: false)
    }

    /// Whether the body has been read to its end without an error.
    var isComplete: Bool { ended && failure == nil }

    /// The next chunk of the body (never empty), or nil once it has ended. Throws
    /// `HTTPBodyError` when the body is refused or the connection closes first.
    public func next() async throws(HTTPBodyError) -> [UInt8]? {
        if let failure { throw failure }
        while !ended, let source {
            let (bytes, last): ([UInt8], Bool)
            do {
                (bytes, last) = try await source.read()
            } catch {
                failure = error
                throw error
            }
            ended = last
            let output = try inflate(bytes, last: last)
            if !output.isEmpty { return output }
        }
        return nil
    }

    /// Reads the rest of the body into one array (at most `limit` bytes).
    public func collect() async throws(HTTPBodyError) -> [UInt8] {
        var all: [UInt8] = []
        while let chunk = try await next() { all += chunk }
        return all
    }

    private func inflate(_ bytes: [UInt8], last: Bool) throws(HTTPBodyError) -> [UInt8] {
        guard let inflater else { return bytes }
        var output: [UInt8] = []
        do {
            try bytes.withUnsafeBytes { try inflater.inflate($0) { output.append(contentsOf: $0) } }
            if last { try inflater.finish() }
        } catch {
            let refusal: HTTPParseError = (error as? CompressionError)?.kind == .tooLarge ? .bodyTooLarge : .invalidContentEncoding
            let failure = HTTPBodyError.refused(refusal)
            self.failure = failure
            ended = true
            source?.refuse(refusal)
            throw failure
        }
        return output
    }
}

/// Where a streamed body's bytes come from: its connection, or bytes held whole.
struct BodySource: Sendable {
    /// Asks for the next part: the bytes (possibly empty) and whether the body ends with them.
    let read: @Sendable () async throws(HTTPBodyError) -> ([UInt8], Bool)
    /// Tells the connection the body is refused for `error` (it answers and closes).
    let refuse: @Sendable (HTTPParseError) -> Void

    /// A source over a connection, whose calls run on its loop.
    static func connection(_ connection: Connection) -> BodySource {
        let loop = connection.loop
        return BodySource(
            read: { () throws(HTTPBodyError) in
                let result: Result<([UInt8], Bool), HTTPBodyError> = await withCheckedContinuation { waiter in
                    loop.execute { connection.bodyDemanded(waiter) }
                }
                return try result.get()
            },
            refuse: { error in loop.execute { connection.bodyRefused(error) } })
    }

    /// A source holding the whole body.
    static func whole(_ bytes: [UInt8]) -> BodySource {
        BodySource(read: { (bytes, true) }, refuse: { _ in })
    }
}

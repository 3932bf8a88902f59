// The server: binds, runs the event loops, hands requests to handlers off the socket
// threads, and stops gracefully.
import Compression
import Dispatch
import Foundation
import Glibc
import Synchronization

/// An HTTP/1.1 server for a `Router`.
///
/// ```swift
/// var router = Router()
/// router.add(.get, "/ping") { _ in .text("pong") }
/// let server = Server(configuration: ServerConfiguration(port: 0), router: router)
/// server.catchSignals()          // before start: see catchSignals
/// let port = try server.start()
/// server.runUntilSignalled()     // SIGTERM/SIGINT: drain, then return
/// ```
public final class Server: Sendable {
    private let core: ServerCore
    private let lifecycle = Mutex<Lifecycle>(.created)
    private let signalWatch = Mutex<SignalWatch?>(nil)

    private enum Lifecycle {
        case created, running, stopping, stopped
    }

    /// A server for `router` with `configuration`; nothing is bound until `start`.
    public init(configuration: ServerConfiguration = ServerConfiguration(), router: Router) {
        core = ServerCore(configuration: configuration, router: router)
    }

    /// The configuration the server was made with.
    public var configuration: ServerConfiguration { core.configuration }

    /// Binds, starts the event loops and returns the bound port (the real one for port 0).
    @discardableResult
    public func start() throws -> Int {
        try lifecycle.withLock { state in
            guard case .created = state else {
                throw SocketError(call: "Server.start", errno: EALREADY, message: "server was already started")
            }
            state = .running
        }
        // OpenSSL writes with write(2), which raises SIGPIPE on a closed peer; plain sockets
        // use MSG_NOSIGNAL. Ignoring SIGPIPE process-wide is what every server does.
        signal(SIGPIPE, SIG_IGN)
        if core.configuration.readiness == .dispatch && core.configuration.tls != nil {
            throw SocketError(call: "Server.start", errno: EINVAL, message: "the Dispatch readiness driver serves plain HTTP only")
        }
        if let tls = core.configuration.tls { core.tls = try TLSContext(tls) }
        let (listener, address) = try Socket.listen(host: core.configuration.host, port: core.configuration.port,
                                                    backlog: core.configuration.backlog)
        var loops: [EventLoop] = []
        do {
            for i in 0 ..< max(1, core.configuration.eventLoopCount) {
                loops.append(try EventLoop(index: i, core: core))
            }
            try loops[0].adoptListener(listener)
        } catch {
            listener.close()
            throw error
        }
        core.loops = loops
        core.boundAddress = address
        for loop in loops { loop.start() }
        return address.port
    }

    /// The address the server listens on, once started.
    public var localAddress: SocketAddress? { core.boundAddress }

    /// Connections open now.
    public var connectionCount: Int { core.activeConnections.load(ordering: .relaxed) }

    /// Stops gracefully: stops accepting, closes idle connections, lets in-flight requests
    /// finish (up to `drainTimeout`), then closes what is left and returns.
    public func shutdown(drainTimeout: Duration = .seconds(10)) {
        let proceed = lifecycle.withLock { state -> Bool in
            guard case .running = state else { return false }
            state = .stopping
            return true
        }
        guard proceed else { waitUntilStopped(); return }
        let loops = core.loops
        core.draining.store(true, ordering: .releasing)
        for loop in loops { loop.execute { loop.drain() } }
        let deadline = Deadline.now().adding(drainTimeout)
        // Poll the open-connection count: shutdown is rare and a 5 ms granularity is plenty.
        while core.activeConnections.load(ordering: .acquiring) > 0 && Deadline.now() < deadline {
            usleep(5_000)
        }
        for loop in loops { loop.execute { loop.stop() } }
        for loop in loops { loop.waitUntilStopped() }
        // Handlers still running past the drain timeout lose their threads here; their
        // connections are already closed.
        core.handlerExecutor.stop()
        core.loops = []
        lifecycle.withLock { $0 = .stopped }
        core.stopped.signal()
    }

    /// Blocks until the server has stopped.
    public func waitUntilStopped() {
        if lifecycle.withLock({ if case .stopped = $0 { return true } else { return false } }) { return }
        core.stopped.wait()
        core.stopped.signal()
    }

    /// Starts catching `signals` (their default actions are disabled) for `runUntilSignalled`.
    /// Call it before `start`: Dispatch opens descriptors for its signal sources, and a server
    /// already accepting a flood of connections may have none left (libdispatch then stops
    /// the process, as a test with 40 descriptors and 60 clients found).
    public func catchSignals(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        signalWatch.withLock { watch in
            guard watch == nil else { return }
            let received = DispatchSemaphore(value: 0)
            let queue = DispatchQueue(label: "http-signals")
            var sources: [DispatchSourceSignal] = []
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { received.signal() }
                source.resume()
                sources.append(source)
            }
            watch = SignalWatch(received: received, sources: sources)
        }
    }

    /// Blocks until one of the caught signals arrives (`signals`, caught now unless
    /// `catchSignals` ran first), then shuts down gracefully and returns (so the program can
    /// exit 0). `whenSignalled` runs first, before the drain (e.g. to report not-ready).
    public func runUntilSignalled(_ signals: [Int32] = [SIGTERM, SIGINT], drainTimeout: Duration = .seconds(10),
                                  whenSignalled: () -> Void = {}) {
        catchSignals(signals)
        guard let watch = signalWatch.withLock({ $0 }) else { return }
        watch.received.wait()
        whenSignalled()
        shutdown(drainTimeout: drainTimeout)
        for source in watch.sources { source.cancel() }
    }
}

/// The signal sources `catchSignals` set up, and the semaphore their handlers signal.
struct SignalWatch: @unchecked Sendable {
    let received: DispatchSemaphore
    let sources: [DispatchSourceSignal]
}

/// What the loops and connections share: configuration, router, counters, TLS context.
final class ServerCore: @unchecked Sendable {
    // `tls`, `loops` and `boundAddress` are written once in `start`, before any loop runs.
    let configuration: ServerConfiguration
    let router: Router
    let dateCache = HTTPDateCache()
    var tls: TLSContext?
    var loops: [EventLoop] = []
    var boundAddress: SocketAddress?
    /// Connections registered on the loops, reserve ones included.
    let activeConnections = Atomic<Int>(0)
    /// The global and per-address caps.
    let limits: ConnectionLimits
    /// Set at the start of a graceful shutdown: responses from then on say `Connection: close`.
    let draining = Atomic<Bool>(false)
    let requestCounter = Atomic<UInt64>(0)
    /// Requests dispatched to a handler whose response is not yet handed to their loop.
    private let inFlight = Atomic<Int>(0)
    let stopped = DispatchSemaphore(value: 0)
    let handlerExecutor: HandlerExecutor

    /// The largest body any route takes: a declared length over it is refused with the head.
    let largestBodyLimit: Int?

    init(configuration: ServerConfiguration, router: Router) {
        self.configuration = configuration
        self.router = router
        limits = ConnectionLimits(maxConnections: configuration.maxConnections,
                                  maxPerPeer: configuration.maxConnectionsPerPeer)
        largestBodyLimit = router.largestBodyLimit
        handlerExecutor = HandlerExecutor(threads: configuration.handlerThreadCount)
    }

    deinit { handlerExecutor.stop() }  // for a server that was never started

    /// The bytes of the response to a request that cannot be read (always `Connection: close`).
    func errorBytes(for error: HTTPParseError, path: String? = nil) -> [UInt8] {
        closingResponse(HTTPStatus(error.status), error.message, path: path)
    }

    /// The bytes of the response to a connection or request refused for a cap: the
    /// application's error shape with `Retry-After` (always `Connection: close`).
    func refusalBytes(_ refusal: Refusal, path: String?) -> [UInt8] {
        closingResponse(refusal.status, refusal.message, path: path, retryAfter: Refusal.retryAfterSeconds)
    }

    /// `router.errorResponse` for `status` and `message`, serialized with `Connection: close`.
    private func closingResponse(_ status: HTTPStatus, _ message: String, path: String?,
                                 retryAfter: Int? = nil) -> [UInt8] {
        var response = router.errorResponse(status, message, path)
        if case .stream = response.body { response = .text(message, status: status) }
        guard case .bytes(let body) = response.body else { return [] }
        if let retryAfter { response.headers.set("Retry-After", "\(retryAfter)") }
        return ResponseSerializer.response(status: status, headers: response.headers, body: body,
                                           keepAlive: false, requestVersion: .http1_1, isHead: false,
                                           date: dateCache.current())
    }

    /// Runs the handler for a request on the concurrent pool (a complete one, or one whose
    /// `bodyStream` the handler reads), then posts the response back to the connection's loop.
    /// `inflatedLimit` bounds a compressed whole body once inflated.
    func dispatch(head: RequestHead, body: [UInt8], bodyStream: HTTPBodyStream?, inflatedLimit: Int, peer: SocketAddress?,
                  connection: Connection, received: Deadline) {
        let others = inFlight.wrappingAdd(1, ordering: .relaxed).oldValue
        Task(executorPreference: handlerExecutor) { [self] in
            await self.respond(head: head, body: body, bodyStream: bodyStream, inflatedLimit: inflatedLimit, peer: peer,
                               connection: connection, received: received, othersInFlight: others)
            inFlight.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    private func respond(head: RequestHead, body: [UInt8], bodyStream: HTTPBodyStream?, inflatedLimit: Int,
                         peer: SocketAddress?, connection: Connection, received: Deadline, othersInFlight: Int) async {
        let loop = connection.loop
        var request = HTTPRequest(method: head.method, target: head.target, version: head.version,
                                  headers: head.headers, body: body, peer: peer,
                                  id: Self.clientRequestID(head.headers["X-Request-Id"])
                                    ?? String(requestCounter.wrappingAdd(1, ordering: .relaxed).newValue, radix: 16))
        request.othersInFlight = othersInFlight
        request.bodyStream = bodyStream
        var response: HTTPResponse
        var keepAlive = head.keepAlive
        var refusal: HTTPParseError?
        // A streamed body inflates as it is read; a whole one now.
        if head.gzipBody && bodyStream == nil {
            do throws(HTTPParseError) {
                request.body = try ContentCoding.inflate(body, limit: inflatedLimit)
            } catch {
                refusal = error
            }
        }
        if let refusal {
            // A body that does not inflate, or inflates past the limit, never reaches a handler.
            response = router.errorResponse(HTTPStatus(refusal.status), refusal.message, request.path)
            keepAlive = false
        } else {
            response = await router.respond(to: request)
            // A streamed body the handler did not read to its end is not read now: the
            // connection closes after the answer instead of parsing the rest as a request.
            if let bodyStream, !bodyStream.isComplete { keepAlive = false }
        }
        if configuration.echoesRequestID && !request.id.isEmpty {
            response.headers.set("X-Request-Id", request.id)
        }
        // A reserve slot serves one probe and closes, so the slot is free for the next one.
        if response.headers.hasToken("close", in: "Connection") || draining.load(ordering: .acquiring)
            || connection.reserveReason != nil {
            keepAlive = false
        }
        let isHead = head.method == .head

        switch response.body {
        case .bytes(var bytes):
            compressIfAccepted(&bytes, headers: &response.headers, status: response.status, request: head)
            let wire = ResponseSerializer.response(
                status: response.status, headers: response.headers, body: bytes, keepAlive: keepAlive,
                requestVersion: head.version, isHead: isHead, date: dateCache.current())
            // Logged before the response is handed over: once the client has it, a shutdown may
            // end the process before this thread runs again, and the line would be lost.
            log(request, status: response.status.code, bytes: isHead ? 0 : bytes.count, received: received)
            loop.execute { [keepAlive] in connection.responseReady(wire, keepAlive: keepAlive, complete: true) }

        case .stream(let produce):
            // RFC 9112 §7.1: chunked only for HTTP/1.1; an HTTP/1.0 body ends at close.
            let chunked = head.version == .http1_1
            if !chunked { keepAlive = false }
            var wire: [UInt8] = []
            ResponseSerializer.writeHead(
                status: response.status, headers: response.headers,
                framing: response.status.forbidsBody ? .noBody : (chunked ? .chunked : .closeDelimited),
                keepAlive: keepAlive, requestVersion: head.version, date: dateCache.current(), into: &wire)
            if isHead || response.status.forbidsBody {
                log(request, status: response.status.code, bytes: 0, received: received)
                loop.execute { [wire, keepAlive] in connection.responseReady(wire, keepAlive: keepAlive, complete: true) }
                return
            }
            loop.execute { [wire, keepAlive] in connection.responseReady(wire, keepAlive: keepAlive, complete: false) }
            let sent = Atomic<Int>(0)
            let writer = ResponseBodyWriter { bytes in
                sent.wrappingAdd(bytes.count, ordering: .relaxed)
                let framed = chunked ? ResponseSerializer.chunk(bytes) : bytes
                try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, Error>) in
                    loop.execute { connection.streamWrite(framed, waiter: waiter) }
                }
            }
            do {
                try await produce(writer)
                loop.execute { connection.streamFinished(chunked ? ResponseSerializer.lastChunk : []) }
            } catch {
                loop.execute { connection.streamFailed() }
            }
            log(request, status: response.status.code, bytes: sent.load(ordering: .relaxed), received: received)
        }
    }

    /// The client's `X-Request-Id` when it is 1–128 visible ASCII characters; anything else
    /// (too long to echo into a log line and a header, or with spaces or controls) gives way
    /// to the server's own id.
    static func clientRequestID(_ value: String?) -> String? {
        guard let value, (1 ... 128).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21 ... 0x7E).contains($0) }) else { return nil }
        return value
    }

    /// gzip-compresses a large enough body when the client accepts it (RFC 9110 §8.4, §12.5.3).
    private func compressIfAccepted(_ bytes: inout [UInt8], headers: inout HTTPHeaders, status: HTTPStatus,
                                    request: RequestHead) {
        guard configuration.compressionLevel > 0, bytes.count >= configuration.compressionMinimumSize,
              !status.forbidsBody, status.code != 206, !headers.contains("Content-Encoding") else { return }
        // The representation varies with Accept-Encoding whether or not this client gets gzip.
        if let vary = headers["Vary"] {
            if !headers.hasToken("accept-encoding", in: "Vary") { headers.set("Vary", vary + ", Accept-Encoding") }
        } else {
            headers.add("Vary", "Accept-Encoding")
        }
        guard let accept = request.headers["Accept-Encoding"], ContentCoding.acceptsGzip(accept) else { return }
        let compressed = Gzip.compress(bytes, level: min(configuration.compressionLevel, 9))
        guard compressed.count < bytes.count else { return }
        bytes = compressed
        headers.add("Content-Encoding", "gzip")
    }

    private func log(_ request: HTTPRequest, status: Int, bytes: Int, received: Deadline) {
        guard let accessLog = configuration.accessLog else { return }
        let elapsed = Deadline.now().nanoseconds &- received.nanoseconds
        accessLog(AccessLogEntry(method: request.method, path: request.path, status: status, bytes: bytes,
                                 duration: .nanoseconds(Int64(elapsed)), requestID: request.id, peer: request.peer))
    }
}

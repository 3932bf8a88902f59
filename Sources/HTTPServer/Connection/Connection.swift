// The glue between one socket and its state machine: it reads, frames, hands complete
// requests to the handler pool, writes responses, and performs whatever the machine says.
// Everything here runs on the owning event loop's thread; other threads reach it only
// through `loop.execute`.
import Glibc

final class Connection: @unchecked Sendable {
    let socket: Socket
    let peer: SocketAddress?
    /// Set for a connection on a reserve slot: the cap it is past, which refuses anything but a
    /// probe request on it.
    let reserveReason: Refusal?
    unowned let loop: EventLoop
    private(set) var machine: ConnectionStateMachine
    private var framer: RequestFramer
    private let input = ByteBuffer()
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// False while a streamed body is still being produced.
    private var responseComplete = true
    private var head: RequestHead?
    /// Edge-triggered epoll: whether the socket may still hold unread bytes.
    private var mayRead = true
    /// The peer's FIN or an error was reported: read until EOF, not just until a short read.
    private var peerHungUp = false
    private(set) var isClosed = false
    private let tls: TLSSession?
    private var streamWaiter: CheckedContinuation<Void, Error>?
    /// The current request's body limits (as sent, and once inflated), and whether its handler
    /// reads the body as it arrives.
    private var bodyLimit = 0
    private var inflatedLimit = 0
    private var streamsBody = false
    /// A streaming handler waiting for the next part of its body.
    private var bodyWaiter: CheckedContinuation<Result<([UInt8], Bool), HTTPBodyError>, Never>?
    /// Whether `100 Continue` is still owed to a streamed body's client (sent at the first read).
    private var continueOwed = false
    /// Why a streamed body can be read no further, once it cannot.
    private var bodyFailure: HTTPBodyError?

    /// Output above which a stream's writer waits for the client to read.
    private static let streamHighWater = 256 * 1024
    /// Input of a streamed body read ahead of its handler; past it, reading waits for the
    /// handler (back-pressure: a slow handler holds the client, not memory).
    private static let bodyReadAhead = 1 << 20
    /// The most body bytes (as sent) one `HTTPBodyStream.next()` hands a handler.
    private static let bodyPartSize = 256 * 1024
    private static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(socket: Socket, peer: SocketAddress?, loop: EventLoop, now: Deadline,
         reserveReason: Refusal? = nil) throws(SocketError) {
        self.socket = socket
        self.peer = peer
        self.reserveReason = reserveReason
        self.loop = loop
        let core = loop.core
        machine = ConnectionStateMachine(now: now, timeouts: core.configuration.timeouts)
        framer = RequestFramer(limits: core.configuration.limits, largestBody: core.largestBodyLimit)
        tls = try core.tls.map { context throws(SocketError) in try TLSSession(context: context, fd: socket.fd) }
    }

    /// Begins serving: reads whatever is already there.
    func start() {
        loop.schedule(machine.deadline)
        readAvailable()
    }

    /// An epoll event for this socket.
    func handle(events: Epoll.Events) {
        if isClosed { return }
        if !events.isDisjoint(with: [.writable, .error, .hangUp]),
           outputOffset < output.count || (tls.map { !$0.handshakeComplete } ?? false) {
            if let tls, !tls.handshakeComplete { continueHandshake(tls) } else { flush() }
        }
        if isClosed { return }
        if !events.isDisjoint(with: [.readable, .error, .hangUp, .readHangUp]) {
            mayRead = true
            if !events.isDisjoint(with: [.error, .hangUp, .readHangUp]) {
                peerHungUp = true
            }
            readAvailable()
        }
    }

    /// Whether the connection read until the socket had nothing more (it waits for readiness).
    var waitsForReadable: Bool { !mayRead }

    /// Whether response bytes wait for room in the socket.
    var hasPendingOutput: Bool { outputOffset < output.count }

    // MARK: - Reading

    private var canRead: Bool {
        switch machine.state {
        case .idle, .readingHead, .readingBody, .lingering: return true
        case .streamingBody: return input.readableCount < Self.bodyReadAhead && !machine.peerHalfClosed
        case .processing, .writing, .closed: return false
        }
    }

    private func readAvailable() {
        if let tls, !tls.handshakeComplete { continueHandshake(tls); return }
        while mayRead && canRead && !isClosed {
            let want = framer.isReadingHead ? 4096
                : streamsBody ? 256 * 1024 : Swift.min(Swift.max(framer.remainingLength, 4096), 256 * 1024)
            input.reserveWritable(want)
            let space = input.writableCount
            let result: IOResult
            do {
                if let tls {
                    result = try tls.read(into: input.writePointer, count: space)
                } else {
                    result = try socket.read(into: input.writePointer, count: space)
                }
            } catch {
                perform(machine.ioFailed())
                return
            }
            switch result {
            case .wouldBlock:
                mayRead = false
                loop.awaitReadable(self)
            case .done(0):
                mayRead = false
                perform(machine.peerClosed())
                // A handler waiting for the rest of a body the client will not send fails now.
                if machine.state == .streamingBody { serveBodyDemand() }
            case .done(let n):
                // A short read on a plain TCP socket means its receive queue is empty now
                // (unless a FIN is pending: then the next read must see the EOF).
                if tls == nil && n < space && !peerHungUp {
                    mayRead = false
                    loop.awaitReadable(self)
                }
                if machine.state == .lingering { continue }  // drained and dropped
                input.didWrite(n)
                if machine.state == .streamingBody { _ = machine.bodyProgressed(now: loop.now) }
                processInput()
            }
        }
        if machine.state == .streamingBody { loop.schedule(machine.deadline) }
    }

    /// Frames whatever input is buffered, as far as the current state allows.
    private func processInput() {
        while !isClosed && input.readableCount > 0 {
            switch machine.state {
            case .idle:
                perform(machine.bytesReceived(now: loop.now))
            case .readingHead, .readingBody:
                break
            case .streamingBody:
                return serveBodyDemand()
            default:
                return
            }
            let (event, consumed) = input.withReadable { framer.next($0) }
            input.consume(consumed)
            switch event {
            case .needMore:
                return
            case .invalid(let error):
                perform(machine.parseFailed(error))
                return
            case .head(let head):
                self.head = head
                if let reason = reserveReason,
                   !loop.core.configuration.probePaths.contains(HTTPRequest.split(head.target).0) {
                    refuse(reason)
                    return
                }
                let hasBody = head.framing != .none
                // The route decides how the body is read and how large it may be: a declared
                // length over its limit is a 413 now, instead of a 100 Continue.
                let core = loop.core
                let policy = core.router.bodyPolicy(method: head.method, path: HTTPRequest.split(head.target).0)
                let limits = core.configuration.limits
                switch policy {
                case .buffered(let limit):
                    (bodyLimit, inflatedLimit, streamsBody) = (limit ?? limits.maxBodySize, limit ?? limits.maxInflatedBodySize, false)
                case .streamed(let limit):
                    (bodyLimit, inflatedLimit, streamsBody) = (limit, limit, true)
                }
                bodyFailure = nil
                if hasBody, let error = framer.limitBody(to: bodyLimit) {
                    perform(machine.parseFailed(error))
                    return
                }
                // RFC 9110 §10.1.1: no 100 Continue once body bytes have arrived anyway. A
                // streaming handler reads when it is ready: the 100 waits for its first read.
                let noBodyYet = head.expectsContinue && input.readableCount == 0
                continueOwed = streamsBody && noBodyYet
                perform(machine.headReceived(now: loop.now, keepAlive: head.keepAlive, hasBody: hasBody,
                                             expectsContinue: noBodyYet && !streamsBody, streamsBody: streamsBody))
                if !hasBody || streamsBody { return }  // the handler runs
            case .body(let body):
                if machine.bodyCompleted() == .runHandler { runHandler(body: body) }
                return
            }
        }
    }

    // MARK: - Streamed request bodies (the handler pulls, the loop reads)

    /// A streaming handler asks for the next part of its body.
    func bodyDemanded(_ waiter: CheckedContinuation<Result<([UInt8], Bool), HTTPBodyError>, Never>) {
        guard !isClosed, machine.state == .streamingBody, bodyWaiter == nil else {
            waiter.resume(returning: .failure(bodyFailure ?? .connectionClosed))
            return
        }
        bodyWaiter = waiter
        if continueOwed {
            continueOwed = false
            if input.readableCount == 0 {
                append(Self.continueResponse)
                flush()
            }
        }
        serveBodyDemand()
        if bodyWaiter != nil && !isClosed {
            _ = machine.bodyResumed(now: loop.now)
            loop.schedule(machine.deadline)
            readAvailable()
        }
    }

    /// Gives a waiting handler the next part of its body from the input, when there is one.
    private func serveBodyDemand() {
        guard let waiter = bodyWaiter, machine.state == .streamingBody else { return }
        // At most one part's worth at a time, however much the client has sent ahead.
        let (event, consumed) = input.withReadable { framer.nextBodyPart(UnsafeRawBufferPointer(rebasing: $0.prefix(Self.bodyPartSize))) }
        input.consume(consumed)
        switch event {
        case .part(let bytes, let last) where !bytes.isEmpty || last:
            bodyWaiter = nil
            _ = last ? machine.bodyCompleted() : machine.bodyPaused()
            loop.schedule(machine.deadline)
            waiter.resume(returning: .success((bytes, last)))
        case .part, .needMore:
            // The client half-closed with the body incomplete: it will never come.
            if machine.peerHalfClosed {
                bodyFailure = .connectionClosed
                close()
            }
        case .invalid(let error):
            perform(machine.parseFailed(error))
        }
    }

    /// The streaming handler found its body unacceptable once inflated: answer and close.
    func bodyRefused(_ error: HTTPParseError) {
        guard !isClosed else { return }
        perform(machine.bodyRefused(error))
    }

    /// Ends a waiting read of a streamed body with `failure`.
    private func failBody(_ failure: HTTPBodyError) {
        if bodyFailure == nil { bodyFailure = failure }
        guard let waiter = bodyWaiter else { return }
        bodyWaiter = nil
        waiter.resume(returning: .failure(bodyFailure ?? failure))
    }

    // MARK: - Actions

    private func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none, .readMore:
            break
        case .sendContinue:
            append(Self.continueResponse)
            flush()
        case .runHandler:
            runHandler(body: [])
        case .write:
            flush()
        case .respondAndClose(let error):
            // A refusal while reading a body (bad chunk, body over the limit) knows its path.
            let path = head.map { HTTPRequest.split($0.target).0 }
            head = nil
            failBody(.refused(error))
            if let reason = reserveReason, error == .headerTimeout {
                // A reserve slot that never got a whole head is refused for its cap, not timed out.
                append(loop.core.refusalBytes(reason, path: path))
            } else {
                append(loop.core.errorBytes(for: error, path: path))
            }
            responseComplete = true
            flush()
        case .linger:
            input.clear()
            input.shrinkIfEmpty(keep: 0)
            tls?.shutdown()
            socket.shutdownWrite()
            mayRead = true
            readAvailable()
        case .close:
            close()
        }
        if !isClosed { loop.schedule(machine.deadline) }
    }

    /// Answers a request on a reserve slot that is not a probe with the cap its connection is
    /// past, then closes.
    private func refuse(_ reason: Refusal) {
        let path = head.map { HTTPRequest.split($0.target).0 }
        head = nil
        guard machine.requestRefused() == .write else { return }
        append(loop.core.refusalBytes(reason, path: path))
        responseComplete = true
        flush()
    }

    private func runHandler(body: [UInt8]) {
        guard let head else { return }
        var stream: HTTPBodyStream?
        if streamsBody {
            let declared: Int? = if case .contentLength(let length) = head.framing { length } else { head.framing == .none ? 0 : nil }
            stream = HTTPBodyStream(source: head.framing == .none ? nil : .connection(self), declaredLength: declared,
                                    limit: bodyLimit, inflates: head.gzipBody)
        }
        loop.core.dispatch(head: head, body: body, bodyStream: stream, inflatedLimit: inflatedLimit, peer: peer,
                           connection: self, received: loop.now)
    }

    // MARK: - Writing (called on the loop thread, from tasks the handler side posts)

    /// The handler's response head (and whole body, unless `complete` is false: a stream).
    func responseReady(_ bytes: [UInt8], keepAlive: Bool, complete: Bool) {
        guard !isClosed else { return }
        guard machine.responseReady(keepAlive: keepAlive) == .write else { return }
        // An answer before the streamed body's end: the rest of it is not read.
        failBody(.connectionClosed)
        responseComplete = complete
        append(bytes)
        flush()
    }

    /// More of a streamed body; `waiter` resumes once the client has read enough of it.
    func streamWrite(_ bytes: [UInt8], waiter: CheckedContinuation<Void, Error>) {
        guard !isClosed, machine.state == .writing else {
            waiter.resume(throwing: ResponseStreamClosed())
            return
        }
        append(bytes)
        streamWaiter = waiter
        flush()
    }

    /// The streamed body ended; `trailer` is its last chunk (empty for close-delimited bodies).
    func streamFinished(_ trailer: [UInt8]) {
        guard !isClosed, machine.state == .writing else { return }
        responseComplete = true
        append(trailer)
        flush()
    }

    /// The stream's producer failed: close so the client sees an incomplete body.
    func streamFailed() {
        close()
    }

    private func append(_ bytes: [UInt8]) {
        if outputOffset == output.count {
            output = bytes
            outputOffset = 0
        } else {
            output.append(contentsOf: bytes)
        }
    }

    private func flush() {
        while outputOffset < output.count {
            let result: IOResult
            do {
                result = try output.withUnsafeBytes { (all) throws(SocketError) -> IOResult in
                    let rest = UnsafeRawBufferPointer(rebasing: all[outputOffset...])
                    if let tls { return try tls.write(rest) }
                    return try socket.send(rest)
                }
            } catch {
                perform(machine.ioFailed())
                return
            }
            switch result {
            case .wouldBlock:
                _ = machine.writeStalled(now: Deadline.now())
                loop.schedule(machine.deadline)
                loop.awaitWritable(self)
                resumeStreamIfBelowHighWater()
                return
            case .done(let n):
                outputOffset += n
            }
        }
        output = []
        outputOffset = 0
        resumeStreamIfBelowHighWater()
        if !responseComplete { _ = machine.outputDrained() }
        if responseComplete && machine.state == .writing {
            head = nil
            streamsBody = false
            perform(machine.responseSent(now: loop.now))
            if machine.state == .idle {
                input.shrinkIfEmpty(keep: 64 * 1024)  // give back what a large body needed
                // Pipelined requests may already be buffered; then read what the kernel holds.
                processInput()
                readAvailable()
            }
        }
    }

    private func resumeStreamIfBelowHighWater() {
        guard let waiter = streamWaiter, output.count - outputOffset < Self.streamHighWater else { return }
        streamWaiter = nil
        waiter.resume()
    }

    // MARK: - TLS handshake

    private func continueHandshake(_ tls: TLSSession) {
        do {
            switch try tls.handshake() {
            case .wouldBlock: return
            case .done: readAvailable()
            }
        } catch {
            // Not TLS (plain HTTP on the HTTPS port) or a failed handshake: close quietly.
            close()
        }
    }

    // MARK: - Timers, draining, closing

    func timerFired(now: Deadline) {
        guard !isClosed else { return }
        perform(machine.timerFired(now: now))
    }

    func drainRequested() {
        guard !isClosed else { return }
        perform(machine.drainRequested())
    }

    /// Whether a reserve slot may go to a newer connection: nothing is under way on it (no
    /// whole head yet, or its answer is sent and it only lingers).
    var isPreemptable: Bool {
        switch machine.state {
        case .idle, .readingHead, .lingering: return true
        case .readingBody, .streamingBody, .processing, .writing, .closed: return false
        }
    }

    /// Gives the reserve slot up to a newer connection: sends the refusal (best effort, when
    /// no answer went out yet) and closes at once, freeing the descriptor.
    func preempt() {
        guard !isClosed, let reason = reserveReason else { return }
        if tls == nil && machine.state != .lingering {
            let bytes = loop.core.refusalBytes(reason, path: nil)
            _ = bytes.withUnsafeBytes { try? socket.send($0) }
        }
        close()
    }

    /// Closes the socket (idempotent) and wakes a waiting stream producer with an error.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = machine.ioFailed()
        socket.close()
        loop.unregister(self)
        if let waiter = streamWaiter {
            streamWaiter = nil
            waiter.resume(throwing: ResponseStreamClosed())
        }
        failBody(.connectionClosed)
        output = []
        outputOffset = 0
    }
}

// The lifecycle of one connection as a value: events in, the action to perform out.
// It owns the timers' meaning (which timeout applies when); the glue in Connection only
// performs the actions. Tests drive it with an injected clock.

/// The timeouts a connection is held to.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// From the first byte of a head (or from accept) until the head is complete.
    public var headerRead: Duration
    /// From the end of the head until the body is complete.
    public var bodyRead: Duration
    /// Between a response and the first byte of the next request.
    public var idle: Duration
    /// Without any write progress while a response is pending.
    public var write: Duration
    /// After a closing response: how long unread input is drained before the socket closes.
    public var lingeringClose: Duration

    /// nginx-like defaults: 10 s header, 30 s body, 60 s idle, 60 s write, 2 s linger.
    public init(headerRead: Duration = .seconds(10), bodyRead: Duration = .seconds(30),
                idle: Duration = .seconds(60), write: Duration = .seconds(60),
                lingeringClose: Duration = .seconds(2)) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.idle = idle
        self.write = write
        self.lingeringClose = lingeringClose
    }
}

/// The states and transitions of an HTTP/1.1 server connection (RFC 9112 §9).
public struct ConnectionStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        /// Between requests; no byte of the next one yet.
        case idle
        /// Some bytes of a head have arrived.
        case readingHead
        /// The head is in; its body is arriving.
        case readingBody
        /// The request is with its handler; reading is paused.
        case processing
        /// A response is being written.
        case writing
        /// A closing response has been written; input is drained until EOF or the deadline.
        case lingering
        case closed
    }

    /// What the glue must do next.
    public enum Action: Equatable, Sendable {
        /// Nothing.
        case none
        /// Keep reading.
        case readMore
        /// Write `100 Continue`, then keep reading the body.
        case sendContinue
        /// Stop reading and hand the complete request to its handler.
        case runHandler
        /// Write the pending response (and close after it if `closeAfterResponse`).
        case write
        /// Write an error response for `error`, then close.
        case respondAndClose(HTTPParseError)
        /// Shut down the write side and drain input until EOF or the deadline.
        case linger
        /// Close the socket now.
        case close
    }

    public private(set) var state: State = .idle
    /// When the current timer fires, if one runs; the glue schedules it.
    public private(set) var deadline: Deadline?
    /// Whether the connection closes once the current response is written.
    public private(set) var closeAfterResponse = false
    /// Whether a graceful shutdown has begun.
    public private(set) var draining = false
    private var peerHalfClosed = false
    public let timeouts: ConnectionTimeouts

    /// A new connection: the first request's head must arrive within the header timeout.
    public init(now: Deadline, timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
        self.deadline = now.adding(timeouts.headerRead)
    }

    /// Bytes arrived while reading.
    public mutating func bytesReceived(now: Deadline) -> Action {
        switch state {
        case .idle:
            state = .readingHead
            // The first head keeps the deadline set at accept (a slow first byte counts too);
            // a later head gets a fresh header timeout in place of the idle one.
            if afterResponse { deadline = now.adding(timeouts.headerRead) }
            return .readMore
        case .readingHead, .readingBody, .lingering:
            return .readMore
        case .processing, .writing, .closed:
            return .none
        }
    }
    private var afterResponse = false

    /// A whole head arrived. `keepAlive` is what the request allows.
    public mutating func headReceived(now: Deadline, keepAlive: Bool, hasBody: Bool,
                                      expectsContinue: Bool) -> Action {
        guard state == .readingHead || state == .idle else { return .none }
        if !keepAlive { closeAfterResponse = true }
        if hasBody {
            state = .readingBody
            deadline = now.adding(timeouts.bodyRead)
            return expectsContinue ? .sendContinue : .readMore
        }
        state = .processing
        deadline = nil
        return .runHandler
    }

    /// The body is complete.
    public mutating func bodyCompleted() -> Action {
        guard state == .readingBody else { return .none }
        state = .processing
        deadline = nil
        return .runHandler
    }

    /// The handler's response is ready; `keepAlive` false when the response asks to close.
    public mutating func responseReady(keepAlive: Bool) -> Action {
        guard state == .processing else { return .none }
        if !keepAlive || draining || peerHalfClosed { closeAfterResponse = true }
        state = .writing
        return .write
    }

    /// The request cannot be read (a framing error); its error response is then written.
    public mutating func parseFailed(_ error: HTTPParseError) -> Action {
        guard state == .idle || state == .readingHead || state == .readingBody else { return .none }
        closeAfterResponse = true
        state = .writing
        deadline = nil
        return .respondAndClose(error)
    }

    /// The request is refused before any handler runs (its connection is past a cap): the
    /// refusal is written, then the connection closes.
    public mutating func requestRefused() -> Action {
        guard state == .idle || state == .readingHead || state == .readingBody else { return .none }
        closeAfterResponse = true
        state = .writing
        deadline = nil
        return .write
    }

    /// A write could not finish; the write timeout runs from the last progress.
    public mutating func writeStalled(now: Deadline) -> Action {
        guard state == .writing || state == .processing else { return .none }
        deadline = now.adding(timeouts.write)
        return .none
    }

    /// Everything written so far has left, but the response goes on (a stream waiting for its
    /// producer): no write timer runs while nothing is pending.
    public mutating func outputDrained() -> Action {
        if state == .writing { deadline = nil }
        return .none
    }

    /// The response (all of it) has been written.
    public mutating func responseSent(now: Deadline) -> Action {
        guard state == .writing else { return .none }
        if closeAfterResponse {
            state = .lingering
            deadline = now.adding(timeouts.lingeringClose)
            return .linger
        }
        state = .idle
        afterResponse = true
        deadline = now.adding(timeouts.idle)
        return .readMore
    }

    /// The timer may have fired; acts only when the deadline has passed.
    public mutating func timerFired(now: Deadline) -> Action {
        guard let d = deadline, d <= now else { return .none }
        switch state {
        case .idle, .writing, .lingering, .processing:
            state = .closed
            deadline = nil
            return .close
        case .readingHead:
            return parseFailed(.headerTimeout)
        case .readingBody:
            return parseFailed(.bodyTimeout)
        case .closed:
            return .none
        }
    }

    /// A graceful shutdown began: idle connections close now, busy ones after their response.
    public mutating func drainRequested() -> Action {
        draining = true
        closeAfterResponse = true
        if state == .idle {
            state = .closed
            deadline = nil
            return .close
        }
        return .none
    }

    /// The peer closed its write side (read returned 0).
    public mutating func peerClosed() -> Action {
        switch state {
        case .processing, .writing:
            // RFC 9112 §9.6: a half-closed client may still read the response.
            peerHalfClosed = true
            closeAfterResponse = true
            return .none
        case .closed:
            return .none
        default:
            state = .closed
            deadline = nil
            return .close
        }
    }

    /// A read or write failed (reset, broken pipe); nothing more can be done.
    public mutating func ioFailed() -> Action {
        guard state != .closed else { return .none }
        state = .closed
        deadline = nil
        return .close
    }
}

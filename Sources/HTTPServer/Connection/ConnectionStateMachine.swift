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
        /// The handler runs and reads the body as it arrives (a streaming route).
        case streamingBody
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
    /// Whether the peer has closed its side (read returned 0) while a request was in hand.
    public private(set) var peerHalfClosed = false
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
        case .readingHead, .readingBody, .streamingBody, .lingering:
            return .readMore
        case .processing, .writing, .closed:
            return .none
        }
    }
    private var afterResponse = false

    /// A whole head arrived. `keepAlive` is what the request allows; `streamsBody` says the
    /// handler reads the body itself, so it runs at once (and `100 Continue` waits for it).
    public mutating func headReceived(now: Deadline, keepAlive: Bool, hasBody: Bool,
                                      expectsContinue: Bool, streamsBody: Bool = false) -> Action {
        guard state == .readingHead || state == .idle else { return .none }
        if !keepAlive { closeAfterResponse = true }
        if hasBody && streamsBody {
            // The body timeout runs only while the handler waits for the client (bodyResumed).
            state = .streamingBody
            deadline = nil
            return .runHandler
        }
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
        switch state {
        case .readingBody:
            state = .processing
            deadline = nil
            return .runHandler
        case .streamingBody:
            // The handler already runs; it has the last part.
            state = .processing
            deadline = nil
            return .none
        default:
            return .none
        }
    }

    /// The handler waits for more of a streamed body than has arrived: the client has the
    /// body timeout to send some.
    public mutating func bodyResumed(now: Deadline) -> Action {
        if state == .streamingBody && deadline == nil { deadline = now.adding(timeouts.bodyRead) }
        return .none
    }

    /// Bytes of a streamed body arrived: a running body timeout starts again from now (it
    /// bounds each wait for the client, not the length of an upload).
    public mutating func bodyProgressed(now: Deadline) -> Action {
        if state == .streamingBody && deadline != nil { deadline = now.adding(timeouts.bodyRead) }
        return .none
    }

    /// The handler has its next part and works on it: the client is not timed meanwhile.
    public mutating func bodyPaused() -> Action {
        if state == .streamingBody { deadline = nil }
        return .none
    }

    /// The handler's response is ready; `keepAlive` false when the response asks to close.
    /// A response that comes before its streamed body has ended closes the connection after
    /// it: the rest of the body is not read.
    public mutating func responseReady(keepAlive: Bool) -> Action {
        guard state == .processing || state == .streamingBody else { return .none }
        if !keepAlive || draining || peerHalfClosed || state == .streamingBody { closeAfterResponse = true }
        state = .writing
        deadline = nil
        return .write
    }

    /// The handler found the streamed body it reads unacceptable (it does not inflate, or
    /// inflates past its limit): the error is answered, and the handler's response dropped.
    public mutating func bodyRefused(_ error: HTTPParseError) -> Action {
        guard state == .streamingBody || state == .processing else { return .none }
        closeAfterResponse = true
        state = .writing
        deadline = nil
        return .respondAndClose(error)
    }

    /// The request cannot be read (a framing error); its error response is then written.
    public mutating func parseFailed(_ error: HTTPParseError) -> Action {
        guard state == .idle || state == .readingHead || state == .readingBody || state == .streamingBody else { return .none }
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
        case .readingBody, .streamingBody:
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
        case .processing, .writing, .streamingBody:
            // RFC 9112 §9.6: a half-closed client may still read the response (and a streamed
            // body may still be in the input buffer, for the handler to take).
            peerHalfClosed = true
            closeAfterResponse = true
            if state == .streamingBody { deadline = nil }
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

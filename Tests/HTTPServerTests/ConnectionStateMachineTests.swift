import Testing
@testable import HTTPServer

/// The connection lifecycle driven with an injected clock and no sockets.
@Suite struct ConnectionStateMachineTests {
    static let timeouts = ConnectionTimeouts(headerRead: .seconds(10), bodyRead: .seconds(30), idle: .seconds(60),
                                             write: .seconds(60), lingeringClose: .seconds(2))
    static func at(_ seconds: Double) -> Deadline { Deadline(nanoseconds: UInt64(seconds * 1e9)) }

    @Test("a keep-alive request: head, handler, response, then idle with the idle timer")
    func keepAliveCycle() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        #expect(machine.deadline == Self.at(10))
        #expect(machine.bytesReceived(now: Self.at(1)) == .readMore)
        #expect(machine.deadline == Self.at(10), "the first head keeps the timer set at accept")
        #expect(machine.headReceived(now: Self.at(2), keepAlive: true, hasBody: false, expectsContinue: false) == .runHandler)
        #expect(machine.state == .processing && machine.deadline == nil)
        #expect(machine.responseReady(keepAlive: true) == .write)
        #expect(machine.responseSent(now: Self.at(3)) == .readMore)
        #expect(machine.state == .idle && machine.deadline == Self.at(63))
        #expect(machine.bytesReceived(now: Self.at(4)) == .readMore)
        #expect(machine.deadline == Self.at(14), "a later head gets a fresh header timer")
    }

    @Test("a body with Expect: 100-continue: continue, body timer, then the handler")
    func bodyWithContinue() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        #expect(machine.headReceived(now: Self.at(1), keepAlive: true, hasBody: true, expectsContinue: true) == .sendContinue)
        #expect(machine.state == .readingBody && machine.deadline == Self.at(31))
        #expect(machine.bodyCompleted() == .runHandler)
    }

    @Test("timers: header and body timeouts answer 408 and close; idle closes silently")
    func timers() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        #expect(machine.timerFired(now: Self.at(9)) == .none)
        #expect(machine.timerFired(now: Self.at(10)) == .respondAndClose(.headerTimeout))
        #expect(machine.closeAfterResponse)

        var body = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = body.bytesReceived(now: Self.at(0))
        _ = body.headReceived(now: Self.at(0), keepAlive: true, hasBody: true, expectsContinue: false)
        #expect(body.timerFired(now: Self.at(31)) == .respondAndClose(.bodyTimeout))

        var idle = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        #expect(idle.timerFired(now: Self.at(11)) == .close)
        #expect(idle.state == .closed)
    }

    @Test("a request refused for a cap: its refusal is written, then the connection lingers to close")
    func refusedRequest() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        #expect(machine.requestRefused() == .write)
        #expect(machine.state == .writing && machine.closeAfterResponse && machine.deadline == nil)
        #expect(machine.responseSent(now: Self.at(1)) == .linger)
        #expect(machine.requestRefused() == .none, "nothing is refused once the answer is out")
    }

    @Test("a closing response lingers, then closes at the linger deadline")
    func lingeringClose() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        _ = machine.headReceived(now: Self.at(0), keepAlive: false, hasBody: false, expectsContinue: false)
        _ = machine.responseReady(keepAlive: false)
        #expect(machine.responseSent(now: Self.at(1)) == .linger)
        #expect(machine.state == .lingering && machine.deadline == Self.at(3))
        #expect(machine.timerFired(now: Self.at(3)) == .close)
    }

    @Test("a framing error writes its response and closes after it")
    func parseFailure() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        #expect(machine.parseFailed(.conflictingContentLength) == .respondAndClose(.conflictingContentLength))
        #expect(machine.state == .writing && machine.closeAfterResponse)
        #expect(machine.responseSent(now: Self.at(1)) == .linger)
    }

    @Test("draining closes idle connections at once and busy ones after their response")
    func draining() {
        var idle = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        #expect(idle.drainRequested() == .close)

        var busy = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = busy.bytesReceived(now: Self.at(0))
        _ = busy.headReceived(now: Self.at(0), keepAlive: true, hasBody: false, expectsContinue: false)
        #expect(busy.drainRequested() == .none)
        #expect(busy.responseReady(keepAlive: true) == .write)
        #expect(busy.responseSent(now: Self.at(1)) == .linger)
    }

    @Test("a half-closed client still gets its response, then the connection closes")
    func halfClose() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        _ = machine.headReceived(now: Self.at(0), keepAlive: true, hasBody: false, expectsContinue: false)
        #expect(machine.peerClosed() == .none)
        #expect(machine.responseReady(keepAlive: true) == .write)
        #expect(machine.responseSent(now: Self.at(1)) == .linger)
        var idle = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        #expect(idle.peerClosed() == .close)
    }

    @Test("a stalled write closes at the write timeout")
    func writeTimeout() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        _ = machine.headReceived(now: Self.at(0), keepAlive: true, hasBody: false, expectsContinue: false)
        _ = machine.responseReady(keepAlive: true)
        _ = machine.writeStalled(now: Self.at(5))
        #expect(machine.deadline == Self.at(65))
        #expect(machine.timerFired(now: Self.at(65)) == .close)
    }

    @Test("a stream that waits for its producer with nothing pending has no write timer")
    func idleStream() {
        var machine = ConnectionStateMachine(now: Self.at(0), timeouts: Self.timeouts)
        _ = machine.bytesReceived(now: Self.at(0))
        _ = machine.headReceived(now: Self.at(0), keepAlive: true, hasBody: false, expectsContinue: false)
        _ = machine.responseReady(keepAlive: true)
        _ = machine.writeStalled(now: Self.at(1))
        _ = machine.outputDrained()
        #expect(machine.deadline == nil)
        #expect(machine.timerFired(now: Self.at(1000)) == .none)
    }
}

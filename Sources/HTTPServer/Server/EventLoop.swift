// One socket-owning thread: epoll, the connections registered on it, their timers, and a
// queue of tasks other threads hand to it. Connection state is touched only on this thread.
import CLinux
import Foundation
import Glibc
import Synchronization

/// An epoll loop on its own thread.
final class EventLoop: @unchecked Sendable {
    // Fields below `tasks` and `wakePending` are confined to the loop's thread.
    let index: Int
    let core: ServerCore
    private let epoll: Epoll
    private let wakeFD: Int32
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private let wakePending = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)

    private var connections: [Connection?] = []
    private(set) var connectionCount = 0
    private var listener: Socket?
    /// The reserve slots for probes past the caps (the listening loop only).
    private var reserve: ReservePool?
    private var acceptPausedUntil: Deadline?
    private var nextAcceptLoop = 0
    private var nextTimer: Deadline?
    private var running = true
    /// The time at the top of the current iteration.
    private(set) var now = Deadline.now()
    /// Set when Dispatch, not this loop's epoll thread, reports readiness (the benchmark's
    /// comparison; see `ServerConfiguration.readiness`).
    private var dispatch: DispatchReadiness?

    init(index: Int, core: ServerCore) throws(SocketError) {
        self.index = index
        self.core = core
        epoll = try Epoll()
        wakeFD = Int32(try Syscall.value("eventfd") { Int(clinux_eventfd()) })
        try epoll.add(wakeFD, interest: [.readable, .edgeTriggered], token: UInt64(wakeFD))
        if core.configuration.readiness == .dispatch {
            dispatch = DispatchReadiness(label: "http-loop-\(index)") { [unowned self] in
                self.now = Deadline.now()
                self.fireTimers()
            }
        }
    }

    deinit { close(wakeFD) }

    /// Starts the loop's thread.
    func start() {
        if dispatch != nil { return }  // its queue runs the loop
        let thread = Thread { [self] in
            self.run()
            self.stopped.signal()
        }
        thread.name = "http-loop-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Blocks until the loop's thread has finished.
    func waitUntilStopped() { stopped.wait() }

    /// Runs `task` on the loop's thread soon. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        if let dispatch {
            dispatch.queue.async { [self] in
                self.now = Deadline.now()
                task()
            }
            return
        }
        tasks.withLock { $0.append(task) }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    // MARK: - On the loop's thread

    /// Makes this loop accept connections on `socket`.
    func adoptListener(_ socket: Socket) throws(SocketError) {
        listener = socket
        if !core.configuration.probePaths.isEmpty && core.configuration.reservedConnections > 0 {
            reserve = ReservePool(capacity: core.configuration.reservedConnections)
        }
        if let dispatch {
            try dispatch.watchListener(socket.fd) { [unowned self] in
                self.now = Deadline.now()
                self.acceptConnections()
            }
            return
        }
        try epoll.add(socket.fd, interest: [.readable, .edgeTriggered], token: UInt64(socket.fd))
    }

    /// Stops accepting and closes the listening socket.
    func closeListener() {
        guard let listener else { return }
        if let dispatch { dispatch.unwatchListener() } else { epoll.remove(listener.fd) }
        listener.close()
        self.listener = nil
        reserve?.closeSpares()
        acceptPausedUntil = nil
    }

    /// Takes over an accepted socket; `reserveReason` is set for one on a reserve slot.
    func register(_ socket: Socket, peer: SocketAddress?, reserveReason: Refusal? = nil) {
        socket.setNoDelay()
        let connection: Connection
        do {
            connection = try Connection(socket: socket, peer: peer, loop: self, now: Deadline.now(),
                                        reserveReason: reserveReason)
        } catch {
            socket.close()
            if reserveReason == nil { core.limits.release(host: peer?.host) } else { reserve?.replenish() }
            return
        }
        let fd = Int(socket.fd)
        if fd >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: fd + 1 - connections.count + 64))
        }
        connections[fd] = connection
        connectionCount += 1
        core.activeConnections.wrappingAdd(1, ordering: .relaxed)
        if reserveReason != nil { reserve?.add(connection) }
        do {
            if let dispatch {
                try dispatch.watch(connection, loop: self)
            } else {
                try epoll.add(socket.fd, interest: [.readable, .writable, .readHangUp, .edgeTriggered],
                              token: UInt64(socket.fd))
            }
        } catch {
            connection.close()
            return
        }
        connection.start()
    }

    /// Forgets a closed connection.
    func unregister(_ connection: Connection) {
        let fd = Int(connection.socket.fd)
        if fd < connections.count, connections[fd] === connection {
            connections[fd] = nil
            connectionCount -= 1
            dispatch?.unwatch(connection)
            if connection.reserveReason == nil {
                core.limits.release(host: connection.peer?.host)
            } else {
                reserve?.remove(connection)
            }
            core.activeConnections.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// Notes that a timer must fire at `deadline`.
    @inline(__always)
    func schedule(_ deadline: Deadline?) {
        guard let deadline else { return }
        if let next = nextTimer, next <= deadline { return }
        nextTimer = deadline
        dispatch?.arm(deadline)
    }

    /// The connection read until the socket was empty (Dispatch: resume its read source).
    @inline(__always)
    func awaitReadable(_ connection: Connection) {
        dispatch?.awaitReadable(connection)
    }

    /// A send to the connection would block (Dispatch: resume its write source; epoll reports
    /// writability by edge anyway).
    @inline(__always)
    func awaitWritable(_ connection: Connection) {
        dispatch?.awaitWritable(connection)
    }

    /// A Dispatch source's event for `connection`, on the loop's queue.
    func dispatchedEvent(_ events: Epoll.Events, for connection: Connection) {
        now = Deadline.now()
        connection.handle(events: events)
    }

    /// Asks every connection to finish gracefully (idle ones close now).
    func drain() {
        closeListener()
        for case let connection? in connections { connection.drainRequested() }
    }

    /// Closes every connection and ends the loop.
    func stop() {
        closeListener()
        for case let connection? in connections { connection.close() }
        running = false
        if let dispatch {  // no thread to leave its loop
            dispatch.stop()
            stopped.signal()
        }
    }

    private func run() {
        while running {
            var timeout: Int32 = -1
            if let next = nextTimer {
                let current = Deadline.now()
                timeout = next <= current ? 0
                    : Int32(min((next.nanoseconds - current.nanoseconds + 999_999) / 1_000_000, 60_000))
            }
            let count: Int
            do { count = try epoll.wait(timeoutMilliseconds: timeout) } catch { fatalError("\(error)") }
            now = Deadline.now()
            for i in 0 ..< count {
                let (events, token) = epoll.event(at: i)
                let fd = Int32(truncatingIfNeeded: token)
                if fd == wakeFD {
                    runTasks()
                } else if let listener, fd == listener.fd {
                    acceptConnections()
                } else if Int(fd) < connections.count, let connection = connections[Int(fd)] {
                    connection.handle(events: events)
                }
            }
            if let next = nextTimer, next <= now { fireTimers() }
        }
        for case let connection? in connections { connection.close() }
    }

    private func runTasks() {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
        wakePending.store(false, ordering: .sequentiallyConsistent)
        let batch = tasks.withLock { tasks in
            let taken = tasks
            tasks.removeAll(keepingCapacity: true)
            return taken
        }
        for task in batch { task() }
    }

    private func fireTimers() {
        nextTimer = nil
        if let paused = acceptPausedUntil {
            if paused <= now {
                acceptPausedUntil = nil
                dispatch?.resumeListener()
                acceptConnections()
            } else {
                schedule(paused)
            }
        }
        for case let connection? in connections {
            connection.timerFired(now: now)
            if !connection.isClosed { schedule(connection.machine.deadline) }
        }
    }

    /// Accepts until the kernel queue is empty (or a batch is done), spreading connections
    /// over the loops. A connection past a cap goes to a reserve slot, where only a probe is
    /// answered, or is refused at once; out of descriptors, a reserve descriptor is freed for
    /// one more accept, and when none can be, accepting backs off for 100 ms instead of
    /// spinning on a listener that stays readable.
    private func acceptConnections() {
        guard let listener, acceptPausedUntil == nil else { return }
        for _ in 0 ..< 256 {
            var accepted: (Socket, SocketAddress?)?
            var outOfDescriptors = false
            do {
                accepted = try listener.accept()
            } catch {
                switch error.errno {
                case EMFILE, ENFILE:
                    // An empty queue says EMFILE too: nothing to free a descriptor for, and the
                    // next connection wakes the loop again.
                    guard listener.hasPendingConnection() else { return }
                    guard let retried = acceptWithReserveDescriptor(listener) else { pauseAccepting(); return }
                    accepted = retried
                    outOfDescriptors = true
                case ENOBUFS, ENOMEM:
                    pauseAccepting()
                    return
                default:
                    continue  // ECONNABORTED and the like concern one client only
                }
            }
            guard let (socket, peer) = accepted else { return }
            let refusal: Refusal? = outOfDescriptors ? .descriptorLimit : core.limits.admit(host: peer?.host)
            if let refusal {
                admitToReserve(socket, peer: peer, refusal: refusal)
                continue
            }
            let loops = core.loops
            let target = loops[nextAcceptLoop % loops.count]
            nextAcceptLoop &+= 1
            if target === self {
                register(socket, peer: peer)
            } else {
                target.execute { target.register(socket, peer: peer) }
            }
        }
        // More may be waiting: come back after this iteration's other events.
        execute { [self] in self.acceptConnections() }
    }

    /// Stops accepting for 100 ms: the listener stays readable, so retrying at once would spin.
    private func pauseAccepting() {
        acceptPausedUntil = now.adding(.milliseconds(100))
        dispatch?.pauseListener()  // level-triggered: it would fire until accepting resumes
        schedule(acceptPausedUntil)
    }

    /// After EMFILE or ENFILE: frees a descriptor of the reserve (a spare, or a slot whose
    /// holder has no request under way) and accepts once more, since a probe may be waiting.
    private func acceptWithReserveDescriptor(_ listener: Socket) -> (Socket, SocketAddress?)? {
        guard let reserve else { return nil }
        let (freed, victim) = reserve.freeDescriptor()
        victim?.preempt()
        guard freed else { return nil }
        if let accepted = try? listener.accept() { return accepted }
        reserve.replenish()
        return nil
    }

    /// A connection past a cap: a reserve slot (only a probe is answered there), or when none
    /// can be had, the refusal at once.
    private func admitToReserve(_ socket: Socket, peer: SocketAddress?, refusal: Refusal) {
        if let reserve {
            let (claimed, victim) = reserve.claim()
            victim?.preempt()
            if claimed {
                register(socket, peer: peer, reserveReason: refusal)
                return
            }
        }
        refuse(socket, refusal)
    }

    /// Answers a connection past a cap with the refusal and closes it, without touching the
    /// others. A request already sent names its path, so the answer has the shape of its route.
    private func refuse(_ socket: Socket, _ refusal: Refusal) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        var path: String?
        if case .done(let count)? = try? socket.read(into: &scratch, count: scratch.count), count > 0 {
            var parser = RequestHeadParser(limits: core.configuration.limits)
            if case .complete(let head, _) = scratch[..<count].withUnsafeBytes({ parser.parse($0) }) {
                path = HTTPRequest.split(head.target).0
            }
        }
        if core.tls == nil {  // plain text would mean nothing inside a TLS handshake
            let response = core.refusalBytes(refusal, path: path)
            _ = response.withUnsafeBytes { try? socket.send($0) }
        }
        socket.shutdownWrite()
        socket.close()
    }
}

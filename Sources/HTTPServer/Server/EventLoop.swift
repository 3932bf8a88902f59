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
    private var acceptPausedUntil: Deadline?
    private var nextAcceptLoop = 0
    private var nextTimer: Deadline?
    private var running = true
    /// The time at the top of the current iteration.
    private(set) var now = Deadline.now()

    init(index: Int, core: ServerCore) throws(SocketError) {
        self.index = index
        self.core = core
        epoll = try Epoll()
        wakeFD = Int32(try Syscall.value("eventfd") { Int(clinux_eventfd()) })
        try epoll.add(wakeFD, interest: [.readable, .edgeTriggered], token: UInt64(wakeFD))
    }

    deinit { close(wakeFD) }

    /// Starts the loop's thread.
    func start() {
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
        try epoll.add(socket.fd, interest: [.readable, .edgeTriggered], token: UInt64(socket.fd))
    }

    /// Stops accepting and closes the listening socket.
    func closeListener() {
        guard let listener else { return }
        epoll.remove(listener.fd)
        listener.close()
        self.listener = nil
        acceptPausedUntil = nil
    }

    /// Takes over an accepted socket.
    func register(_ socket: Socket, peer: SocketAddress?) {
        socket.setNoDelay()
        let connection: Connection
        do {
            connection = try Connection(socket: socket, peer: peer, loop: self, now: Deadline.now())
        } catch {
            socket.close()
            core.connectionClosed()
            return
        }
        let fd = Int(socket.fd)
        if fd >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: fd + 1 - connections.count + 64))
        }
        connections[fd] = connection
        connectionCount += 1
        do {
            try epoll.add(socket.fd, interest: [.readable, .writable, .readHangUp, .edgeTriggered],
                          token: UInt64(socket.fd))
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
            core.connectionClosed()
        }
    }

    /// Notes that a timer must fire at `deadline`.
    @inline(__always)
    func schedule(_ deadline: Deadline?) {
        guard let deadline else { return }
        if let next = nextTimer, next <= deadline { return }
        nextTimer = deadline
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
            if paused <= now { acceptPausedUntil = nil; acceptConnections() } else { schedule(paused) }
        }
        for case let connection? in connections {
            connection.timerFired(now: now)
            if !connection.isClosed { schedule(connection.machine.deadline) }
        }
    }

    /// Accepts until the kernel queue is empty (or a batch is done), spreading connections
    /// over the loops; backs off for 100 ms when out of descriptors instead of spinning on a
    /// listener that stays readable.
    private func acceptConnections() {
        guard let listener, acceptPausedUntil == nil else { return }
        for _ in 0 ..< 256 {
            let accepted: (Socket, SocketAddress?)?
            do {
                accepted = try listener.accept()
            } catch {
                switch error.errno {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    acceptPausedUntil = now.adding(.milliseconds(100))
                    schedule(acceptPausedUntil)
                    return
                default:
                    continue  // ECONNABORTED and the like concern one client only
                }
            }
            guard let (socket, peer) = accepted else { return }
            guard core.connectionOpened() else {
                refuse(socket)
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

    /// Answers a connection over the cap with 503 and closes it, without touching the others.
    private func refuse(_ socket: Socket) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        _ = try? socket.read(into: &scratch, count: scratch.count)
        let response = ResponseSerializer.response(
            status: .serviceUnavailable,
            headers: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "1"],
            body: Array("too many connections\n".utf8), keepAlive: false, requestVersion: .http1_1,
            isHead: false, date: core.dateCache.current())
        _ = response.withUnsafeBytes { try? socket.send($0) }
        socket.shutdownWrite()
        socket.close()
    }
}

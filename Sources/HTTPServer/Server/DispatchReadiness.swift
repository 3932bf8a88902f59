// The other way to learn that a socket is ready: read and write DispatchSources per connection
// on one serial queue per event loop. The server ships with epoll; this driver is kept for the
// benchmark that compares the two (scripts/bench-http.sh, BENCHMARKS.md).
import Dispatch
import Glibc

/// Drives one `EventLoop` from Dispatch instead of its epoll thread: every source handler,
/// timer and task runs on `queue`, so connection state stays confined as on the epoll thread.
/// Dispatch sources are level-triggered, so a connection's read source is suspended while the
/// connection does not read (a request in flight) and its write source runs only while output
/// waits for room. Plain HTTP only (`Server.start` refuses TLS with it).
final class DispatchReadiness {
    let queue: DispatchQueue
    private let timer: DispatchSourceTimer
    private var listenerSource: DispatchSourceRead?
    private var listenerSuspended = false
    /// The sources of each connection, by its descriptor (as `EventLoop.connections`).
    private var sources: [ConnectionSources?] = []

    /// A connection's two sources. Each watches a duplicate of the socket, closed by the
    /// source's cancel handler: the connection closes its own descriptor at once, and its
    /// number may be reused by the next accept while Dispatch still unregisters the old one.
    final class ConnectionSources {
        let read: DispatchSourceRead
        let write: DispatchSourceWrite
        var readSuspended = false
        var writeSuspended = false

        init(read: DispatchSourceRead, write: DispatchSourceWrite) {
            self.read = read
            self.write = write
        }
    }

    init(label: String, onTimer: @escaping () -> Void) {
        queue = DispatchQueue(label: label)
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler(handler: onTimer)
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    /// Fires the timer at `deadline` (called when the loop's next deadline moves earlier).
    func arm(_ deadline: Deadline) {
        let current = Deadline.now().nanoseconds
        let delay = deadline.nanoseconds > current ? deadline.nanoseconds - current : 0
        timer.schedule(deadline: .now() + .nanoseconds(Int(clamping: delay)))
    }

    /// Watches the listening socket; `onReadable` accepts.
    func watchListener(_ fd: Int32, onReadable: @escaping () -> Void) throws(SocketError) {
        let source = DispatchSource.makeReadSource(fileDescriptor: try Self.duplicate(fd), queue: queue)
        source.setEventHandler(handler: onReadable)
        source.setCancelHandler { close(Int32(source.handle)) }
        source.activate()
        listenerSource = source
    }

    /// Stops watching the listener while accepting is paused (the source is level-triggered).
    func pauseListener() {
        guard let listenerSource, !listenerSuspended else { return }
        listenerSource.suspend()
        listenerSuspended = true
    }

    func resumeListener() {
        guard let listenerSource, listenerSuspended else { return }
        listenerSource.resume()
        listenerSuspended = false
    }

    func unwatchListener() {
        resumeListener()
        listenerSource?.cancel()
        listenerSource = nil
    }

    /// Watches a new connection's socket.
    func watch(_ connection: Connection, loop: EventLoop) throws(SocketError) {
        let fd = connection.socket.fd
        let readFD = try Self.duplicate(fd)
        let writeFD: Int32
        do { writeFD = try Self.duplicate(fd) } catch { close(readFD); throw error }
        let read = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: writeFD, queue: queue)
        let entry = ConnectionSources(read: read, write: write)
        // The handlers hold the connection and the entry until the sources are cancelled
        // (Dispatch releases a cancelled source's handlers).
        read.setEventHandler { [unowned loop] in
            loop.dispatchedEvent(.readable, for: connection)
            guard !connection.isClosed, !entry.readSuspended, !connection.waitsForReadable else { return }
            entry.read.suspend()  // data left for when the connection reads again
            entry.readSuspended = true
        }
        write.setEventHandler { [unowned loop] in
            loop.dispatchedEvent(.writable, for: connection)
            guard !connection.isClosed, !entry.writeSuspended, !connection.hasPendingOutput else { return }
            entry.write.suspend()
            entry.writeSuspended = true
        }
        read.setCancelHandler { close(readFD) }
        write.setCancelHandler { close(writeFD) }
        read.activate()
        write.activate()
        write.suspend()  // until a send would block
        entry.writeSuspended = true
        let index = Int(fd)
        if index >= sources.count {
            sources.append(contentsOf: repeatElement(nil, count: index + 1 - sources.count + 64))
        }
        sources[index] = entry
    }

    /// The connection read until the socket had no more: wake it when more arrives.
    @inline(__always)
    func awaitReadable(_ connection: Connection) {
        guard let entry = sources[Int(connection.socket.fd)], entry.readSuspended else { return }
        entry.read.resume()
        entry.readSuspended = false
    }

    /// A send would block: wake the connection when the socket has room.
    @inline(__always)
    func awaitWritable(_ connection: Connection) {
        guard let entry = sources[Int(connection.socket.fd)], entry.writeSuspended else { return }
        entry.write.resume()
        entry.writeSuspended = false
    }

    /// Stops watching a closed connection (a suspended source is resumed first, as Dispatch
    /// cancels and frees only a running one).
    func unwatch(_ connection: Connection) {
        let index = Int(connection.socket.fd)
        guard index < sources.count, let entry = sources[index] else { return }
        sources[index] = nil
        if entry.readSuspended { entry.read.resume() }
        if entry.writeSuspended { entry.write.resume() }
        entry.read.cancel()
        entry.write.cancel()
    }

    /// Cancels the timer and the listener (the loop has closed its connections).
    func stop() {
        unwatchListener()
        timer.cancel()
    }

    private static func duplicate(_ fd: Int32) throws(SocketError) -> Int32 {
        Int32(try Syscall.value("dup") { Int(fcntl(fd, F_DUPFD_CLOEXEC, 0)) })
    }
}

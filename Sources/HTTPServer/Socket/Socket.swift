// A TCP socket descriptor and the few calls the server makes on it.
import CLinux
import Glibc

/// A nonblocking TCP socket (listening or connected). A value: closing is explicit.
struct Socket {
    let fd: Int32

    /// Opens a nonblocking listening socket on `host:port` (port 0: an ephemeral port).
    static func listen(host: String, port: Int, backlog: Int32) throws(SocketError) -> (Socket, SocketAddress) {
        var (storage, length) = try SocketAddress.resolve(host: host, port: port)
        let fd = Int32(try Syscall.value("socket") {
            Int(Glibc.socket(Int32(storage.ss_family),
                             Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0))
        })
        let socket = Socket(fd: fd)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            _ = try withUnsafePointer(to: &storage) { (pointer) throws(SocketError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SocketError) in
                    try Syscall.value("bind") { Int(Glibc.bind(fd, address, length)) }
                }
            }
            try Syscall.value("listen") { Int(Glibc.listen(fd, backlog)) }
            return (socket, try socket.localAddress())
        } catch {
            socket.close()
            throw error
        }
    }

    /// Accepts one connection as a nonblocking socket; nil when none is waiting.
    func accept() throws(SocketError) -> (Socket, SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutableBytes(of: &storage) { (address) throws(SocketError) in
            try Syscall.call("accept4") { Int(clinux_accept(fd, address.baseAddress, &length)) }
        }
        switch result {
        case .wouldBlock: return nil
        case .done(let client): return (Socket(fd: Int32(client)), SocketAddress(storage))
        }
    }

    /// Whether a connection waits in a listening socket's queue. Out of descriptors, `accept`
    /// fails with EMFILE before it looks at the queue, so only this tells an empty one.
    func hasPendingConnection() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = (try? Syscall.value("poll") { Int(poll(&entry, 1, 0)) }) ?? 0
        return ready > 0 && entry.revents & Int16(POLLIN) != 0
    }

    /// The address the socket is bound to.
    func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SocketError) in
                try Syscall.value("getsockname") { Int(getsockname(fd, address, &length)) }
            }
        }
        guard let address = SocketAddress(storage) else {
            throw SocketError(call: "getsockname", errno: EAFNOSUPPORT)
        }
        return address
    }

    /// Reads into `buffer`; `.done(0)` is end of stream.
    @inline(__always)
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(SocketError) -> IOResult {
        try Syscall.call("read") { Glibc.read(fd, buffer, count) }
    }

    /// Sends `bytes` without raising SIGPIPE.
    @inline(__always)
    func send(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult {
        try Syscall.call("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var v = value
        try Syscall.value("setsockopt") {
            Int(setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)))
        }
    }

    /// Turns off Nagle's algorithm so each response leaves at once, not after the peer's ACK.
    func setNoDelay() {
        try? setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// Shuts down the write side (sends FIN) but keeps reading.
    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Makes the next close send RST instead of FIN (SO_LINGER 0).
    func setResetOnClose() {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    func close() {
        _ = Glibc.close(fd)
    }
}

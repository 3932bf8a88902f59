// epoll, eventfd and accept4, which Swift's Glibc module does not export (sys/epoll.h and
// sys/eventfd.h are not in its module map). They are looked up once with dlsym and called
// through C function pointers, which keeps HTTPServer free of a C shim target.
import Glibc

enum LinuxCalls {
    typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    typealias EpollControl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?,
                                        UnsafeMutablePointer<socklen_t>?, Int32) -> Int32

    nonisolated(unsafe) static let epollCreate1: EpollCreate1 = resolve("epoll_create1")
    nonisolated(unsafe) static let epollControl: EpollControl = resolve("epoll_ctl")
    nonisolated(unsafe) static let epollWait: EpollWait = resolve("epoll_wait")
    nonisolated(unsafe) static let eventFD: EventFD = resolve("eventfd")
    nonisolated(unsafe) static let accept4: Accept4 = resolve("accept4")

    // Values from <sys/epoll.h> and <sys/eventfd.h> (the same on every Linux architecture).
    static let epollIn: UInt32 = 0x001
    static let epollOut: UInt32 = 0x004
    static let epollErr: UInt32 = 0x008
    static let epollHangUp: UInt32 = 0x010
    static let epollReadHangUp: UInt32 = 0x2000
    static let epollEdgeTriggered: UInt32 = 1 << 31
    static let epollAdd: Int32 = 1
    static let epollDelete: Int32 = 2
    static let epollModify: Int32 = 3
    static let closeOnExec: Int32 = 0o2000000
    static let nonBlocking: Int32 = 0o4000

    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16).
    #if arch(x86_64) || arch(i386)
    static let epollEventSize = 12
    static let epollDataOffset = 4
    #else
    static let epollEventSize = 16
    static let epollDataOffset = 8
    #endif

    private static func resolve<T>(_ name: String) -> T {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            fatalError("\(name) not found in the C library")
        }
        return unsafeBitCast(symbol, to: T.self)
    }
}

/// An epoll instance with a buffer for the events one wait returns.
final class Epoll {
    let fd: Int32
    private let events: UnsafeMutableRawPointer
    private let capacity: Int

    init(capacity: Int = 256) throws(SocketError) {
        fd = Int32(try Syscall.value("epoll_create1") { Int(LinuxCalls.epollCreate1(LinuxCalls.closeOnExec)) })
        self.capacity = capacity
        events = UnsafeMutableRawPointer.allocate(byteCount: capacity * LinuxCalls.epollEventSize, alignment: 8)
    }

    deinit {
        events.deallocate()
        close(fd)
    }

    /// Registers `descriptor` for `interest`, tagging its events with `token`.
    func add(_ descriptor: Int32, interest: UInt32, token: UInt64) throws(SocketError) {
        try control(LinuxCalls.epollAdd, descriptor, interest, token)
    }

    /// Changes the interest of a registered descriptor.
    func modify(_ descriptor: Int32, interest: UInt32, token: UInt64) throws(SocketError) {
        try control(LinuxCalls.epollModify, descriptor, interest, token)
    }

    /// Removes a descriptor (closing it also does this).
    func remove(_ descriptor: Int32) {
        _ = LinuxCalls.epollControl(fd, LinuxCalls.epollDelete, descriptor, nil)
    }

    private func control(_ op: Int32, _ descriptor: Int32, _ interest: UInt32, _ token: UInt64) throws(SocketError) {
        var event = (UInt64(0), UInt64(0))
        try withUnsafeMutableBytes(of: &event) { (raw) throws(SocketError) in
            raw.storeBytes(of: interest, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: token, toByteOffset: LinuxCalls.epollDataOffset, as: UInt64.self)
            try Syscall.value("epoll_ctl") { Int(LinuxCalls.epollControl(fd, op, descriptor, raw.baseAddress)) }
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever); returns the number of events.
    func wait(timeoutMilliseconds: Int32) throws(SocketError) -> Int {
        try Syscall.value("epoll_wait") {
            Int(LinuxCalls.epollWait(fd, events, Int32(capacity), timeoutMilliseconds))
        }
    }

    /// The event mask and token of event `index` from the last wait.
    @inline(__always)
    func event(at index: Int) -> (events: UInt32, token: UInt64) {
        let base = events + index * LinuxCalls.epollEventSize
        return (base.loadUnaligned(as: UInt32.self),
                base.loadUnaligned(fromByteOffset: LinuxCalls.epollDataOffset, as: UInt64.self))
    }
}

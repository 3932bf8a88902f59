// An epoll instance (epoll(7)) through the CLinux shim, which unpacks the kernel's
// epoll_event array (packed on x86-64) into plain arrays of masks and tokens.
import CLinux
import Glibc

/// An epoll instance with room for the events one wait returns.
final class Epoll {
    /// The readiness bits a descriptor can be registered for and reported with.
    struct Events: OptionSet, Sendable {
        let rawValue: UInt32
        static let readable = Events(rawValue: CLINUX_EPOLLIN)
        static let writable = Events(rawValue: CLINUX_EPOLLOUT)
        static let error = Events(rawValue: CLINUX_EPOLLERR)
        static let hangUp = Events(rawValue: CLINUX_EPOLLHUP)
        static let readHangUp = Events(rawValue: CLINUX_EPOLLRDHUP)
        static let edgeTriggered = Events(rawValue: CLINUX_EPOLLET)
    }

    let fd: Int32
    private let masks: UnsafeMutablePointer<UInt32>
    private let tokens: UnsafeMutablePointer<UInt64>
    private let capacity: Int

    init(capacity: Int = 256) throws(SocketError) {
        fd = Int32(try Syscall.value("epoll_create1") { Int(clinux_epoll_create()) })
        self.capacity = capacity
        masks = .allocate(capacity: capacity)
        tokens = .allocate(capacity: capacity)
    }

    deinit {
        masks.deallocate()
        tokens.deallocate()
        close(fd)
    }

    /// Registers `descriptor` for `interest`, tagging its events with `token`.
    func add(_ descriptor: Int32, interest: Events, token: UInt64) throws(SocketError) {
        try Syscall.value("epoll_ctl") {
            Int(clinux_epoll_control(fd, CLINUX_EPOLL_CTL_ADD, descriptor, interest.rawValue, token))
        }
    }

    /// Removes a descriptor (closing it also does this).
    func remove(_ descriptor: Int32) {
        _ = clinux_epoll_control(fd, CLINUX_EPOLL_CTL_DEL, descriptor, 0, 0)
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever); returns the number of events.
    func wait(timeoutMilliseconds: Int32) throws(SocketError) -> Int {
        try Syscall.value("epoll_wait") {
            Int(clinux_epoll_wait(fd, masks, tokens, Int32(capacity), timeoutMilliseconds))
        }
    }

    /// The event mask and token of event `index` from the last wait.
    @inline(__always)
    func event(at index: Int) -> (events: Events, token: UInt64) {
        (Events(rawValue: masks[index]), tokens[index])
    }
}

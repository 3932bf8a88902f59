// The one wrapper every system call goes through: retries EINTR, returns EAGAIN as a value,
// throws SocketError for everything else.
import Glibc

/// A failed system call: which call, its errno and the system's message for it.
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public let message: String

    public init(call: String, errno: Int32, message: String? = nil) {
        self.call = call
        self.errno = errno
        self.message = message ?? String(cString: strerror(errno))
    }

    public var description: String { "\(call): \(message) (errno \(errno))" }
}

/// The result of a call on a nonblocking descriptor.
enum IOResult: Equatable {
    /// The call's non-negative return value.
    case done(Int)
    /// EAGAIN/EWOULDBLOCK: try again when the descriptor is ready.
    case wouldBlock
}

enum Syscall {
    /// Runs `body` until it does not fail with EINTR; a negative return becomes an error.
    @inline(__always)
    static func call(_ name: StaticString, _ body: () -> Int) throws(SocketError) -> IOResult {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SocketError(call: "\(name)", errno: error)
            }
        }
    }

    /// Like `call`, for calls that cannot return EAGAIN; returns the value.
    @inline(__always)
    @discardableResult
    static func value(_ name: StaticString, _ body: () -> Int) throws(SocketError) -> Int {
        switch try call(name, body) {
        case .done(let value): return value
        case .wouldBlock: throw SocketError(call: "\(name)", errno: EAGAIN)
        }
    }
}

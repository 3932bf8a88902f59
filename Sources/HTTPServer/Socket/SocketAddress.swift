// IPv4 and IPv6 socket addresses: resolving a host for bind, naming a peer.
import Glibc

/// An IP address and port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The numeric host (`127.0.0.1`, `::1`).
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The address in a `sockaddr_storage`, or nil when it is not IPv4 or IPv6.
    init?(_ storage: sockaddr_storage) {
        var storage = storage
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(storage.ss_family) {
        case AF_INET:
            let (address, port) = withUnsafeBytes(of: &storage) { raw in
                let sin = raw.load(as: sockaddr_in.self)
                return (sin.sin_addr, sin.sin_port)
            }
            var a = address
            inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count))
            self.init(host: buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, port: Int(UInt16(bigEndian: port)))
        case AF_INET6:
            let (address, port) = withUnsafeBytes(of: &storage) { raw in
                let sin6 = raw.load(as: sockaddr_in6.self)
                return (sin6.sin6_addr, sin6.sin6_port)
            }
            var a = address
            inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count))
            self.init(host: buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, port: Int(UInt16(bigEndian: port)))
        default:
            return nil
        }
    }

    /// Resolves `host` (numeric, or a name such as `localhost`) for a passive socket on `port`.
    static func resolve(host: String, port: Int) throws(SocketError) -> (sockaddr_storage, socklen_t) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SocketError(call: "getaddrinfo(\(host))", errno: status,
                              message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr,
                                                       count: Int(first.pointee.ai_addrlen)))
        }
        return (storage, first.pointee.ai_addrlen)
    }
}

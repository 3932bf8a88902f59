// The connection caps: how many connections the server holds, how many one client address
// may hold, and why a connection past them is refused.
import Synchronization

/// Why the server refuses a connection or its request before any handler runs.
enum Refusal: Sendable, Equatable {
    /// `maxConnections` connections are open.
    case connectionLimit(Int)
    /// The client's address holds `maxConnectionsPerPeer` connections.
    case peerLimit(host: String, limit: Int)
    /// The process is out of file descriptors.
    case descriptorLimit

    /// 429 for one client over its share (RFC 6585 §4), 503 when the whole server is full.
    var status: HTTPStatus {
        if case .peerLimit = self { return .tooManyRequests }
        return .serviceUnavailable
    }

    /// A sentence for the client.
    var message: String {
        switch self {
        case .connectionLimit(let limit):
            return "the server holds its limit of \(limit) open connections; retry after \(Self.retryAfterSeconds) s"
        case .peerLimit(let host, let limit):
            return "\(host) holds its limit of \(limit) open connections; close one or retry after \(Self.retryAfterSeconds) s"
        case .descriptorLimit:
            return "the server is out of file descriptors; retry after \(Self.retryAfterSeconds) s"
        }
    }

    /// The `Retry-After` of every refusal: connections come and go within seconds.
    static let retryAfterSeconds = 1
}

/// Counts open connections against the global cap and the per-address cap. Connections that
/// only the reserve admits (see `ReservePool`) are not counted here.
final class ConnectionLimits: Sendable {
    let maxConnections: Int
    /// 0: no per-address cap.
    let maxPerPeer: Int
    private let counts = Mutex<(total: Int, perPeer: [String: Int])>((0, [:]))

    init(maxConnections: Int, maxPerPeer: Int) {
        self.maxConnections = max(1, maxConnections)
        self.maxPerPeer = max(0, maxPerPeer)
    }

    /// Counts a connection from `host`, or says which cap it is over (counting nothing).
    func admit(host: String?) -> Refusal? {
        counts.withLock { counts in
            if maxPerPeer > 0, let host, counts.perPeer[host, default: 0] >= maxPerPeer {
                return .peerLimit(host: host, limit: maxPerPeer)
            }
            if counts.total >= maxConnections { return .connectionLimit(maxConnections) }
            counts.total += 1
            if maxPerPeer > 0, let host { counts.perPeer[host, default: 0] += 1 }
            return nil
        }
    }

    /// Forgets a connection `admit` counted.
    func release(host: String?) {
        counts.withLock { counts in
            counts.total -= 1
            guard maxPerPeer > 0, let host, let held = counts.perPeer[host] else { return }
            counts.perPeer[host] = held > 1 ? held - 1 : nil
        }
    }
}

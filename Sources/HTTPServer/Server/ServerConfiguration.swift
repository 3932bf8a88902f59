// Everything about the server a deployment may want to change, with production defaults.
import Foundation

/// One line of the access log, handed to `ServerConfiguration.accessLog` after each response.
public struct AccessLogEntry: Sendable {
    /// The request's method.
    public var method: HTTPMethod
    /// The request's path, without query.
    public var path: String
    /// The response's status code.
    public var status: Int
    /// Body bytes sent (after compression; for streams, all chunks' data).
    public var bytes: Int
    /// From the end of the request head to the response handed to the socket.
    public var duration: Duration
    /// The request's `X-Request-Id`, or the id the server gave it.
    public var requestID: String
    /// The client's address.
    public var peer: SocketAddress?
}

/// A certificate chain and private key, both PEM files, for serving HTTPS.
public struct TLSConfiguration: Sendable, Equatable {
    /// PEM file with the server certificate first, then any intermediates.
    public var certificateChainPath: String
    /// PEM file with the private key.
    public var privateKeyPath: String
    /// A certificate chain and key to serve HTTPS with.
    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

/// The server's settings: address, limits, timeouts, compression, TLS and threads.
public struct ServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1`, `0.0.0.0`, `::`).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 asks for an ephemeral port (see `Server.start`).
    public var port: Int = 8080
    /// Length of the kernel's queue of connections not yet accepted.
    public var backlog: Int32 = 1024
    /// Request size limits (414, 431, 413).
    public var limits = RequestLimits()
    /// Header, body, idle, write and lingering-close timeouts.
    public var timeouts = ConnectionTimeouts()
    /// Connections open at once; past it, a new connection may only ask for a probe path (on a
    /// reserve slot), and anything else gets a 503 with `Retry-After` and is closed.
    public var maxConnections = 1024
    /// Connections one client address may hold open; past it, as past `maxConnections` but with
    /// a 429. 0: no limit per address.
    public var maxConnectionsPerPeer = 0
    /// Request paths (without query) of health probes, such as `/healthz`: the only requests
    /// answered on the reserve slots kept for when a connection cap or the descriptor limit
    /// is reached. Empty: no reserve.
    public var probePaths: Set<String> = []
    /// Reserve slots for probes past the caps; each holds a spare descriptor while free.
    public var reservedConnections = 4
    /// Responses with bodies of at least this many bytes are gzip-compressed when accepted.
    public var compressionMinimumSize = 1024
    /// zlib level for responses (1 fastest … 9 smallest); 0 turns compression off.
    public var compressionLevel: Int32 = 5
    /// HTTPS with this certificate and key; plain HTTP when nil.
    public var tls: TLSConfiguration?
    /// Threads that own sockets (read, parse, write). Handlers run elsewhere.
    public var eventLoopCount = 1
    /// What reports socket readiness to the event loops. The server is built on `.epoll`;
    /// `.dispatch` is kept for the benchmark that measures the two (BENCHMARKS.md).
    public var readiness = Readiness.epoll
    /// Threads that run handlers (a handler blocked in synchronous work holds one of them).
    public var handlerThreadCount = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)
    /// Sets `X-Request-Id` on every response (router refusals included) to the request's id,
    /// so a client can match its request to the server's log line. A client's own id is kept
    /// when it is 1–128 visible ASCII characters; otherwise the server gives the request one.
    public var echoesRequestID = true
    /// Called after each response, off the socket threads' hot path; keep it quick.
    public var accessLog: (@Sendable (AccessLogEntry) -> Void)?

    /// What reports socket readiness to the event loops.
    public enum Readiness: String, Sendable, CaseIterable {
        /// Each loop's own thread waits in epoll, edge-triggered (the server's choice).
        case epoll
        /// Read and write `DispatchSource`s per connection on one serial queue per loop, as
        /// Foundation-era servers do; plain HTTP only. For the comparison benchmark.
        case dispatch
    }

    /// The defaults: 127.0.0.1:8080, nginx-like limits and timeouts, plain HTTP.
    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

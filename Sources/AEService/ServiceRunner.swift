// Runs a service behind the HTTP server until SIGTERM or SIGINT, then drains: stop accepting,
// finish in-flight requests, store the running training job's state, exit.
import Foundation
import HTTPServer
import Logging

/// Starts the HTTP server for a service and stops both gracefully on a signal.
public struct ServiceRunner {
    /// The service being served.
    public let service: Service
    /// The HTTP server.
    public let server: Server

    /// A runner for `service` with the HTTP settings of its configuration.
    public init(service: Service) {
        self.service = service
        let c = service.configuration
        var http = ServerConfiguration(host: c.server.host, port: c.server.port)
        http.maxConnections = c.server.maxConnections
        http.maxConnectionsPerPeer = c.server.maxConnectionsPerPeer
        http.probePaths = Self.probePaths
        http.limits = RequestLimits(maxRequestLineLength: c.limits.requestLineBytes, maxHeaderBlockSize: c.limits.headerBytes,
                                    maxHeaderCount: c.limits.headerCount, maxBodySize: c.limits.bodyBytes,
                                    maxInflatedBodySize: c.limits.bodyBytes)
        http.timeouts = ConnectionTimeouts(headerRead: .milliseconds(Int64(c.timeouts.headerSeconds * 1000)),
                                           bodyRead: .milliseconds(Int64(c.timeouts.bodySeconds * 1000)),
                                           idle: .milliseconds(Int64(c.timeouts.idleSeconds * 1000)))
        if let certificate = c.server.tlsCertificate, let key = c.server.tlsPrivateKey {
            http.tls = TLSConfiguration(certificateChainPath: certificate, privateKeyPath: key)
        }
        let logger = service.logger
        http.accessLog = { entry in
            let duration = Double(entry.duration.components.seconds) * 1000
                + Double(entry.duration.components.attoseconds) / 1e15
            logger.info("request", metadata: [
                "method": "\(entry.method)", "path": "\(entry.path)", "status": .stringConvertible(entry.status),
                "bytes": .stringConvertible(entry.bytes), "duration_ms": .stringConvertible((duration * 1000).rounded() / 1000),
                "request_id": "\(entry.requestID)", "peer": "\(entry.peer.map { "\($0)" } ?? "")",
            ])
        }
        server = Server(configuration: http, router: service.makeRouter())
    }

    /// The health probes' paths: still answered, on the server's reserve slots, when the
    /// connection caps or the descriptor limit are reached.
    public static let probePaths: Set<String> = ["/healthz", "/readyz", "/v2/health/live", "/v2/health/ready"]

    /// Catches SIGTERM and SIGINT for `runUntilSignalled`; call it before `start` (see
    /// `Server.catchSignals`).
    public func catchSignals() {
        server.catchSignals()
    }

    /// Starts the service and the server; returns the bound port.
    public func start() throws -> Int {
        try service.start()
        let port = try server.start()
        service.logger.notice("listening", metadata: [
            "address": "\(server.localAddress.map { "\($0)" } ?? "?")", "port": "\(port)",
            "tls": "\(service.configuration.server.tlsCertificate != nil)",
            "models": "\(service.registry.snapshot().map { "\($0.name) v\($0.active.version)" }.joined(separator: ", "))",
        ])
        return port
    }

    /// Blocks until SIGTERM or SIGINT, then drains (see `stop`).
    public func runUntilSignalled() {
        let jobsStopped = DispatchGroup()
        server.runUntilSignalled(drainTimeout: drainTimeout, whenSignalled: { beginDrain(jobsStopped) })
        jobsStopped.wait()
        service.logger.notice("stopped")
    }

    /// Drains: /readyz turns 503 and event streams end, a running training job's worker is
    /// told to stop at its next batch with its state kept for resuming, and meanwhile the server
    /// stops accepting and finishes in-flight requests. Returns when both are done.
    public func stop() {
        let jobsStopped = DispatchGroup()
        beginDrain(jobsStopped)
        server.shutdown(drainTimeout: drainTimeout)
        jobsStopped.wait()
        service.logger.notice("stopped")
    }

    private var drainTimeout: Duration {
        .milliseconds(Int64(service.configuration.server.drainTimeoutSeconds * 1000))
    }

    /// Starts the drain; `jobsStopped` is left when the job queue has stopped. The queue stops
    /// beside the connection drain, not before it, so that the two together fit in the drain
    /// timeout and so in an engine's stop grace (`docker stop` waits 10 s): a worker slow to
    /// stop costs its grace period once, not on top of the requests still finishing.
    private func beginDrain(_ jobsStopped: DispatchGroup) {
        service.logger.notice("draining", metadata: ["timeout_seconds": "\(service.configuration.server.drainTimeoutSeconds)"])
        service.beginDrain()
        jobsStopped.enter()
        let service = service
        Thread.detachNewThread {
            service.stop()
            jobsStopped.leave()
        }
    }
}

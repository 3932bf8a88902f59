// A service running in process behind the real HTTP server on 127.0.0.1, an ephemeral port,
// with temporary models and state folders and a log that tests can read.
import AECheckpoint
import AEMath
import AEModel
@testable import AEService
import AETestSupport
import Foundation
import HTTPServer
import Logging
import Testing

/// Log events kept in memory, for tests that check what the service logged.
final class LogCapture: @unchecked Sendable {
    struct Event {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Event] = []

    var events: [Event] { lock.withLock { stored } }

    func append(_ event: Event) { lock.withLock { stored.append(event) } }

    /// A logger writing here.
    func logger() -> Logger {
        Logger(label: "aeserve-test") { _ in Handler(capture: self) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(Event(level: event.level, message: event.message.description,
                                 metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A live service for one test; call `stop()` at the end.
final class LiveService: @unchecked Sendable {
    /// The temporary folder holding `models/`, `state/` and `data/`.
    let folder: URL
    let service: Service
    let runner: ServiceRunner
    let port: Int
    let logs = LogCapture()

    var modelsRoot: URL { folder.appendingPathComponent("models") }
    var stateFolder: URL { folder.appendingPathComponent("state") }
    var dataRoot: URL { folder.appendingPathComponent("data") }

    /// Starts a service whose models root holds what `models` writes (by default one small
    /// seeded model `small` v1), with `configure` applied to test settings.
    init(models: (URL) throws -> Void = { try writeModel(root: $0, name: "small", version: 1, seed: 1) },
         configure: (inout ServiceConfiguration) -> Void = { _ in },
         peerOverride: (@Sendable (HTTPRequest) -> SocketAddress?)? = nil) throws {
        folder = try TestEnvironment.temporaryDirectory("live")
        let modelsURL = folder.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: modelsURL, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try models(modelsURL)
        var c = ServiceConfiguration()
        c.server.host = "127.0.0.1"
        c.server.port = 0
        c.server.drainTimeoutSeconds = 2
        c.models.root = modelsURL.path
        c.models.defaultModel = "small"
        c.models.pollIntervalSeconds = 0.05
        c.stateFolder = folder.appendingPathComponent("state").path
        c.dataRoots = [folder.appendingPathComponent("data").path]
        // In process, this process is the test runner: workers are the aeserve built with it.
        c.training.workerExecutable = TestEnvironment.aeserveBinary.path
        configure(&c)
        service = try Service(configuration: c, logger: logs.logger(), peerOverride: peerOverride)
        runner = ServiceRunner(service: service)
        port = try runner.start()
    }

    /// Drains and stops the server and the queue, then removes the folder.
    func stop() {
        runner.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// One request on a fresh connection.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                 contentType: String? = "application/json") throws -> HTTPMessage {
        try HTTPClient.request(port: port, method, path, headers: headers, body: body, contentType: contentType)
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPMessage {
        try request("GET", path, headers: headers)
    }

    func post(_ path: String, _ json: String, headers: [(String, String)] = []) throws -> HTTPMessage {
        try request("POST", path, headers: headers, body: Array(json.utf8))
    }
}

/// Expects `response` to be an error with `status` and `code` whose message contains each of
/// `mentions`; returns the message.
@discardableResult
func expectError(_ response: HTTPMessage, _ status: Int, _ code: String? = nil, mentions: [String] = [],
                 sourceLocation: SourceLocation = #_sourceLocation) -> String {
    #expect(response.status == status, "expected \(status), got \(response.status): \(response.text)",
            sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
    guard let json = try? response.json(), let error = json["error"], let message = error["message"]?.string else {
        Issue.record("not an error body: \(response.text)", sourceLocation: sourceLocation)
        return ""
    }
    if let code { #expect(error["code"]?.string == code, "code in \(response.text)", sourceLocation: sourceLocation) }
    for mention in mentions {
        #expect(message.contains(mention), "message '\(message)' should mention '\(mention)'", sourceLocation: sourceLocation)
    }
    return message
}

/// JSON text for a batch of rows, printed with Swift's shortest round-tripping floats.
func jsonRows(_ rows: [[Float]]) -> String {
    "[" + rows.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
}

/// A matrix of `rows`.
func matrix(_ rows: [[Float]]) -> Matrix<Float> {
    Matrix(rows: rows.count, columns: rows.first?.count ?? 0, values: rows.flatMap { $0 })
}

/// The rows of `m`.
func rows(_ m: Matrix<Float>) -> [[Float]] {
    (0..<m.rows).map { r in Array(m.storage[(r * m.columns)..<((r + 1) * m.columns)]) }
}

// A small server on HTTPServer for benchmarks and process-level tests: GET /ping, POST /sum
// (a JSON array of numbers, answered with their sum), GET /slow?ms=N, GET /healthz (a probe
// path, answered on the reserve past the caps), POST /upload (a body of up to 4 GiB read as it
// streams, answered with its length); `--readiness dispatch` drives it from Dispatch for the
// comparison benchmark. Prints "listening on <port>" once bound; SIGTERM/SIGINT drain it.
import AEJSON
import Foundation
import HTTPServer

/// Decodes a JSON array of numbers with AEJSON's float-array parser (correctly rounded).
func decodeFloats(_ body: [UInt8]) -> [Float]? {
    var scanner = JSONScanner(body)
    guard let values = try? scanner.readFloats(), (try? scanner.finish()) != nil else { return nil }
    return values
}

var configuration = ServerConfiguration(host: "127.0.0.1", port: 8080)
configuration.probePaths = ["/healthz"]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    let value = arguments.popFirst() ?? ""
    switch flag {
    case "--port": configuration.port = Int(value) ?? 8080
    case "--host": configuration.host = value
    case "--loops": configuration.eventLoopCount = Int(value) ?? 1
    case "--readiness":
        guard let readiness = ServerConfiguration.Readiness(rawValue: value) else {
            FileHandle.standardError.write(Data("--readiness: expected epoll or dispatch, got '\(value)'\n".utf8))
            exit(64)
        }
        configuration.readiness = readiness
    case "--max-connections": configuration.maxConnections = Int(value) ?? configuration.maxConnections
    case "--max-connections-per-peer": configuration.maxConnectionsPerPeer = Int(value) ?? 0
    case "--drain-timeout": break
    default:
        FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
        exit(64)
    }
}

var router = Router()
router.add(.get, "/ping") { _ in HTTPResponse(headers: ["Content-Type": "text/plain"], body: Array("pong".utf8)) }
router.add(.post, "/sum") { request in
    guard let values = decodeFloats(request.body) else {
        return .text("expected a JSON array of numbers\n", status: .badRequest)
    }
    let sum = values.reduce(0, +)
    return HTTPResponse(headers: ["Content-Type": "application/json"], body: Array("{\"sum\":\(sum)}".utf8))
}
router.add(.get, "/healthz") { _ in .text("ok\n") }
router.add(.get, "/slow") { request in
    let ms = Int(request.queryItem("ms") ?? "") ?? 100
    try await Task.sleep(for: .milliseconds(ms))
    return .text("slept \(ms) ms\n")
}

router.add(.post, "/upload", body: .streamed(limit: 4 << 30)) { request in
    var bytes = 0
    while let chunk = try await request.bodyStream?.next() { bytes += chunk.count }
    return HTTPResponse(headers: ["Content-Type": "application/json"], body: Array("{\"bytes\":\(bytes)}".utf8))
}

let server = Server(configuration: configuration, router: router)
server.catchSignals()
do {
    let port = try server.start()
    FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
} catch {
    FileHandle.standardError.write(Data("http-bench-server: \(error)\n".utf8))
    exit(1)
}
server.runUntilSignalled(drainTimeout: .seconds(10))

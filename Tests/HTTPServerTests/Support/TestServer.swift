// Starting a server on an ephemeral port with routes the tests share.
import Foundation
import Glibc
import Synchronization
@testable import HTTPServer

enum TestServer {
    /// Routes used across the live tests.
    static func router() -> Router {
        var router = Router()
        router.add(.get, "/ping") { _ in .text("pong") }
        router.add(.post, "/echo") { request in
            HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        router.add(.post, "/length") { request in .text("\(request.body.count)") }
        router.add(.get, "/big") { request in
            let size = Int(request.queryItem("size") ?? "") ?? 1_000_000
            return HTTPResponse(headers: ["Content-Type": "application/octet-stream"],
                                body: (0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        }
        router.add(.get, "/text") { request in
            let size = Int(request.queryItem("size") ?? "") ?? 4096
            return .text(String(repeating: "all work and no play ", count: size / 21 + 1))
        }
        router.add(.get, "/slow") { request in
            let ms = Int(request.queryItem("ms") ?? "") ?? 300
            try await Task.sleep(for: .milliseconds(ms))
            return .text("slept \(ms)")
        }
        router.add(.get, "/stream") { _ in
            HTTPResponse(headers: ["Content-Type": "text/plain"]) { writer in
                for i in 0 ..< 5 { try await writer.write("part \(i)\n") }
            }
        }
        router.add(.get, "/events") { _ in
            .serverSentEvents { events in
                for i in 1 ... 3 { try await events.writeEvent(data: "step \(i)", event: "progress", id: "\(i)") }
            }
        }
        router.add(.get, "/items/{id}") { request in .text("item \(request.parameter("id") ?? "?")") }
        router.add(.get, "/headers") { request in
            .text(request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
        }
        return router
    }

    /// A started server on 127.0.0.1 and an ephemeral port.
    static func start(_ adjust: (inout ServerConfiguration) -> Void = { _ in },
                      router: Router = TestServer.router()) throws -> (Server, Int) {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        adjust(&configuration)
        let server = Server(configuration: configuration, router: router)
        let port = try server.start()
        return (server, port)
    }

    /// Open descriptors of this process.
    static func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Resident memory of this process in KiB.
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ")[1]) ?? -1
        }
        return -1
    }
}

/// Runs an external program, returning its exit status and output.
func runProcess(_ executable: String, _ arguments: [String], input: Data? = nil,
                environment: [String: String]? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inp
    try process.run()
    if let input { inp.fileHandleForWriting.write(input) }
    try inp.fileHandleForWriting.close()
    let collected = Mutex<(Data, Data)>((Data(), Data()))
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        let d = out.fileHandleForReading.readDataToEndOfFile()
        collected.withLock { $0.0 = d }
        group.leave()
    }
    let e = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, collected.withLock { $0.0 }, e)
}

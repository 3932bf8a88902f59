// Runs the built `aeserve` binary, which sits beside the test bundle in the build folder.
import AETestSupport
import Foundation
import Testing

/// The outcome of one `aeserve` run.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the `aeserve` binary built with the tests, with `arguments`.
func aeserve(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeserve")
    let executable = FileManager.default.isExecutableFile(atPath: binary.path)
        ? binary : TestEnvironment.packageRoot.appendingPathComponent(".build/debug/aeserve")
    try #require(FileManager.default.isExecutableFile(atPath: executable.path),
                 "aeserve binary not found beside the tests; run swift build", sourceLocation: sourceLocation)
    return try runTool(executable.path, arguments)
}

/// Runs `executable` (a path, or a name looked up on PATH) and collects its status and output.
func runTool(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    let errData = LockedData()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { usleep(1000) }
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.value, as: UTF8.self))
}

/// Data set once from another thread.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

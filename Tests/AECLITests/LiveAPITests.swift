// The API checked against a real `aeserve serve` (started by the scripts on a free loopback
// port with temporary models and state, and stopped by PID): the README's curl examples,
// schemathesis against openapi.json, the web console in headless Chromium, and replicas behind
// nginx routed by deploy/nginx/.
import AETestSupport
import Foundation
import Testing

@Suite("Live API", .serialized)
struct LiveAPITests {
    @Test("every README HTTP example runs against a live server and prints what it should",
          .timeLimit(.minutes(10)))
    func readmeExamples() throws {
        let result = try runCheck("scripts/check-readme-examples.py")
        #expect(result.status == 0, "scripts/check-readme-examples.py failed:\n\(result.output)")
    }

    @Test("schemathesis finds no 5xx and no answer that breaks openapi.json", .timeLimit(.minutes(10)))
    func schemathesis() throws {
        let result = try runCheck("scripts/check-openapi-live.py")
        #expect(result.status == 0, "scripts/check-openapi-live.py failed:\n\(result.output)")
    }

    @Test("the web console works in headless Chromium against a live server (scripts/check-console.py)",
          .timeLimit(.minutes(5)))
    func console() throws {
        let result = try runCheck("scripts/check-console.py")
        #expect(result.status == 0, "scripts/check-console.py failed:\n\(result.output)")
    }

    @Test("a client generated from openapi.json by openapi-python-client imports and drives the API (scripts/check-generated-client.py)",
          .timeLimit(.minutes(5)))
    func generatedClient() throws {
        let result = try runCheck("scripts/check-generated-client.py")
        #expect(result.status == 0, "scripts/check-generated-client.py failed:\n\(result.output)")
    }

    @Test("two serving replicas and a trainer behind nginx on one models folder: jobs, activations and a rolling restart under load (scripts/check-replicas.py)",
          .timeLimit(.minutes(3)))
    func replicasBehindNginx() throws {
        let result = try runCheck("scripts/check-replicas.py")
        #expect(result.status == 0, "scripts/check-replicas.py failed:\n\(result.output)")
        #expect(result.output.contains("0 non-2xx, 0 socket errors"), "the rolling restart was not checked:\n\(result.output)")
    }

    /// Runs a check script with the project's Python and the `aeserve` built with the tests.
    private func runCheck(_ script: String) throws -> (status: Int32, output: String) {
        let python = try #require(TestEnvironment.python, "no Python with the test tools: run scripts/bootstrap.sh")
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeserve")
        let binary = FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside : TestEnvironment.packageRoot.appendingPathComponent(".build/debug/aeserve")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "aeserve binary not found; run swift build")
        let process = Process()
        process.executableURL = python
        process.arguments = [TestEnvironment.packageRoot.appendingPathComponent(script).path, "--aeserve", binary.path]
        process.currentDirectoryURL = TestEnvironment.packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

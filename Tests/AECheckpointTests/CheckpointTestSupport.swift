// Helpers for the checkpoint tests: scratch directories, hand-built safetensors bytes,
// expected-error checks and the Python interpreter that runs the reference library.
import AECheckpoint
import Foundation
import Testing

/// The package checkout, found from this file's path (Tests/AECheckpointTests/…).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// A fresh directory under the system temp folder, removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("aeserve-checkpoint-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A safetensors file built by hand: `header` verbatim after its length, then `data`.
func rawSafeTensors(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
}

/// The header length a safetensors file declares in its first 8 bytes.
func headerLength(of bytes: [UInt8]) -> Int {
    Int(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
}

/// The little-endian bytes of `values` as F32.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}

/// Expects decoding `bytes` to fail with a message containing every one of `fragments`.
func expectDecodeError(
    _ bytes: [UInt8], mentions fragments: [String], source: String = "model.safetensors",
    sourceLocation: SourceLocation = #_sourceLocation
) -> CheckpointError? {
    do {
        let file = try SafeTensors.decode(bytes, source: source)
        Issue.record("decoded \(file.tensors.count) tensors, expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        for fragment in fragments where !error.description.contains(fragment) {
            Issue.record("message \"\(error)\" does not mention \"\(fragment)\"", sourceLocation: sourceLocation)
        }
        return error
    }
}

/// Runs the project's Python (AESERVE_PYTHON, else .venv/bin/python) with `arguments`
/// and returns its standard output; a missing interpreter fails the test, never skips it.
func runPython(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
    let environment = ProcessInfo.processInfo.environment["AESERVE_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    let candidate = environment ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    let python = try #require(
        FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil,
        "no Python at \(candidate) (AESERVE_PYTHON or .venv); run scripts/bootstrap.sh",
        sourceLocation: sourceLocation)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, """
        \(python) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \
        \(String(decoding: stderr, as: UTF8.self))
        """, sourceLocation: sourceLocation)
    return stdout
}

/// What scripts/fixtures/read_safetensors.py prints.
struct PythonReading: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Double]
    }

    let metadata: [String: String]
    let tensors: [String: Entry]
}

/// The bit patterns of `values`, so that -0.0 and NaN payloads compare exactly.
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// The message of the `CheckpointError` that `body` throws ("" and a recorded issue if none).
func thrownMessage(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> String {
    let error = #expect(throws: CheckpointError.self, sourceLocation: sourceLocation) { try body() }
    return error?.description ?? ""
}

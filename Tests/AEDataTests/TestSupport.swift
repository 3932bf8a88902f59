// Helpers for AEData tests: a scratch folder removed afterwards, an expectation on DataError
// messages, and the NumPy interpreter used to cross-check readers against real files.
import Foundation
import Testing
import AEData

/// Runs `body` with a fresh folder under the temporary directory and removes it afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("aedata-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

/// Expects `body` to throw a DataError of `kind` whose message contains every fragment.
@discardableResult
func expectDataError(
    _ kind: DataError.Kind, containing fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> DataError? {
    do {
        try body()
        Issue.record("expected a \(kind) DataError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as DataError {
        #expect(error.kind == kind, "kind of: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(fragment)\" missing from: \(error)",
                    sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The Python with NumPy: $AESERVE_PYTHON, else the package's .venv (made by scripts/bootstrap.sh).
enum Python {
    static let executable: String? = {
        if let path = ProcessInfo.processInfo.environment["AESERVE_PYTHON"], !path.isEmpty { return path }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    /// Runs `script` with `arguments`; throws with its stderr when it fails.
    static func run(_ script: String, arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = ["-c", script] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(message: String(decoding: message, as: UTF8.self))
        }
    }

    struct PythonFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "python failed: \(message)" }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as 4 big-endian bytes (IDX sizes).
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }

    /// Appends `value` as little-endian bytes (NPY data).
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

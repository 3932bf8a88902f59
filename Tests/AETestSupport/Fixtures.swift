// Locating the package's files and the pinned Python from tests.
import Foundation
import Testing

/// Paths of the package and its tools, for tests that read fixtures or call Python.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The project's Python (`AESERVE_PYTHON`, else `.venv/bin/python`); nil when neither exists.
    public static var python: URL? {
        if let path = ProcessInfo.processInfo.environment["AESERVE_PYTHON"],
           FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python")
        return FileManager.default.isExecutableFile(atPath: venv.path) ? venv : nil
    }

    /// The debug `aeserve` binary built with the tests (it sits beside the test bundle).
    public static var aeserveBinary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aeserve")
        return FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside : packageRoot.appendingPathComponent(".build/debug/aeserve")
    }

    /// A fresh empty folder under the temporary directory.
    public static func temporaryDirectory(_ label: String = "aeserve-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

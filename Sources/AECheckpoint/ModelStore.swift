// Models on disk in TensorFlow Serving's layout, <root>/<name>/<version>/model.safetensors,
// where a version is a positive integer folder and the highest complete one is the latest.
import Foundation

/// The versioned model folders under one root directory.
public struct ModelStore: Sendable {
    /// The file name each version folder holds.
    public static let fileName = "model.safetensors"

    /// The directory holding one folder per model name.
    public let root: URL

    /// Creates a store over `root` (nothing is touched until a method runs).
    public init(root: URL) {
        self.root = root
    }

    /// The valid model names that have at least one complete version, sorted; throws if `root` is unreadable.
    public func modelNames() throws(CheckpointError) -> [String] {
        var names: [String] = []
        for entry in try contents(of: root) where Self.validationProblem(entry) == nil {
            if try !versions(of: entry).isEmpty { names.append(entry) }
        }
        return names.sorted()
    }

    /// The complete versions of `name`, ascending; folders that are not positive integers in
    /// canonical form, or lack model.safetensors (a write in progress), are ignored.
    public func versions(of name: String) throws(CheckpointError) -> [Int] {
        try Self.validate(name)
        let folder = root.appendingPathComponent(name, isDirectory: true)
        guard directoryExists(folder) else { return [] }
        return try contents(of: folder).compactMap(Self.version(named:)).filter { version in
            var isDirectory: ObjCBool = false
            let path = url(name: name, version: version).path
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    /// Where version `version` of `name` lives (whether or not it exists).
    public func url(name: String, version: Int) -> URL {
        root.appendingPathComponent(name, isDirectory: true)
            .appendingPathComponent(String(version), isDirectory: true)
            .appendingPathComponent(Self.fileName, isDirectory: false)
    }

    /// The highest complete version of `name`, or nil if it has none.
    public func latestVersion(of name: String) throws(CheckpointError) -> Int? {
        try versions(of: name).last
    }

    /// Writes `file` as a new version of `name` (one above the highest number in use) and
    /// returns that version. Safe against concurrent writers and pollers; see the body.
    public func writeNewVersion(name: String, file: SafeTensorsFile) throws(CheckpointError) -> Int {
        try Self.validate(name)
        let folder = root.appendingPathComponent(name, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: folder.path, operation: "create directory",
                              reason: error.localizedDescription)
        }
        // mkdir either creates the folder or fails: the winner of a race owns the number and
        // the loser lists again. Empty folders count as taken (a writer may be mid-write).
        var version: Int
        repeat {
            version = (try contents(of: folder).compactMap(Self.version(named:)).max() ?? 0) + 1
        } while try !FileSystem.makeDirectory(folder.appendingPathComponent(String(version)))
        do {
            // The file appears by rename, so a poller sees no model.safetensors or a whole one.
            try SafeTensors.write(file, to: url(name: name, version: version))
            try FileSystem.syncDirectory(folder.path)
        } catch {
            // Free the number rather than leave an empty folder behind.
            rmdir(folder.appendingPathComponent(String(version)).path)
            throw error
        }
        return version
    }

    /// Throws `invalidModelName` unless `name` is letters, digits, '-', '_', '.', not starting with '.'.
    public static func validate(_ name: String) throws(CheckpointError) {
        if let problem = validationProblem(name) { throw .invalidModelName(name: name, reason: problem) }
    }

    private static func validationProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > 255 { return "it is longer than 255 bytes" }
        if name.hasPrefix(".") { return "it starts with '.'" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_" || scalar == ".")
        }
        return allowed ? nil : "it contains a character other than letters, digits, '-', '_' and '.'"
    }

    /// The version a folder name denotes: digits without a leading zero, so that "7" and
    /// "007" cannot both claim version 7 and `url(name:version:)` finds the folder again.
    private static func version(named folder: String) -> Int? {
        guard let first = folder.utf8.first, first != UInt8(ascii: "0"),
              folder.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(folder)
    }

    private func directoryExists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func contents(of directory: URL) throws(CheckpointError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .fileSystem(path: directory.path, operation: "list the directory",
                              reason: error.localizedDescription)
        }
    }
}

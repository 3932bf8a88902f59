// Models on disk in TensorFlow Serving's layout, <root>/<name>/<version>/model.safetensors,
// each model's activation beside its versions; or one model's versions right under a base path.
import Foundation
import Glibc

/// The versioned model folders under one root directory, or one model's base path (KServe's
/// `--model-name` / `--model-base-path`). Several processes may share it: new versions are
/// claimed with `mkdir`, so no two writers get the same number, and appear whole by rename.
public struct ModelStore: Sendable {
    /// The file each version folder holds.
    public static let fileName = "model.safetensors"
    /// The file in a model's folder naming its activated version: `{"version": 3}`.
    public static let activationFileName = "activation.json"

    /// The directory holding one folder per model name (or the single model's versions).
    public let root: URL
    /// The one model whose versions are right under `root`, or nil for one folder per model.
    public let singleModel: String?

    /// Creates a store over `root` (nothing is touched until a method runs).
    public init(root: URL) {
        self.root = root
        singleModel = nil
    }

    /// A store of the one model `name` whose numbered version folders are in `basePath`.
    public init(modelName name: String, basePath: URL) throws(CheckpointError) {
        try Self.validate(name)
        root = basePath
        singleModel = name
    }

    /// What a model's folder holds.
    public struct Listing: Sendable, Equatable {
        /// The complete versions (their model file is in place), ascending.
        public var versions: [Int] = []
        /// Version folders without a model file yet: a write in progress or interrupted.
        public var pending: [Int] = []
        /// Folders that are not versions, with why.
        public var skipped: [Skipped] = []

        /// The highest number in use, complete or not.
        public var highestClaimed: Int { max(versions.last ?? 0, pending.max() ?? 0) }

        public init() {}
    }

    /// An entry of a model's folder that is not a version, and why.
    public struct Skipped: Sendable, Equatable {
        /// Its full path.
        public var path: String
        /// Why it is not a version (what to do about it).
        public var reason: String
    }

    /// The model folders (valid names, whether or not they hold a version yet), sorted; throws
    /// when `root` cannot be listed, and answers [] when it does not exist.
    public func modelFolders() throws(CheckpointError) -> [String] {
        if let singleModel { return [singleModel] }
        guard try FileSystem.kind(of: root) == .directory else { return [] }
        var names: [String] = []
        for entry in try FileSystem.entries(of: root) where Self.validationProblem(entry) == nil {
            if try FileSystem.kind(of: root.appendingPathComponent(entry)) == .directory { names.append(entry) }
        }
        return names.sorted()
    }

    /// The model names that have at least one complete version, sorted.
    public func modelNames() throws(CheckpointError) -> [String] {
        var names: [String] = []
        for name in try modelFolders() where try !listing(of: name).versions.isEmpty { names.append(name) }
        return names
    }

    /// What the folder of `name` holds; an absent folder holds nothing. Throws when it cannot
    /// be read (no permission, too many open files), so that a caller never takes an
    /// unreadable folder for an empty one.
    public func listing(of name: String) throws(CheckpointError) -> Listing {
        let folder = try self.folder(of: name)
        var listing = Listing()
        guard try FileSystem.kind(of: folder) == .directory else { return listing }
        for entry in try FileSystem.entries(of: folder).sorted() where !entry.hasPrefix(".") {
            let path = folder.appendingPathComponent(entry)
            let kind = try FileSystem.kind(of: path)
            switch ModelVersion.parse(entry) {
            case .failure(let error):
                // Files beside the versions (activation.json, a README) are not version folders.
                if kind == .directory { listing.skipped.append(Skipped(path: path.path, reason: error.reason)) }
            case .success(let version):
                guard kind == .directory else {
                    listing.skipped.append(Skipped(path: path.path, reason: "it is a file, not a version folder"))
                    continue
                }
                switch try FileSystem.kind(of: path.appendingPathComponent(Self.fileName)) {
                case .file: listing.versions.append(version)
                case nil: listing.pending.append(version)
                case .directory, .other:
                    listing.skipped.append(Skipped(path: path.appendingPathComponent(Self.fileName).path,
                                                   reason: "it is not a regular file"))
                }
            }
        }
        listing.versions.sort()
        return listing
    }

    /// The complete versions of `name`, ascending.
    public func versions(of name: String) throws(CheckpointError) -> [Int] {
        try listing(of: name).versions
    }

    /// The highest complete version of `name`, or nil if it has none.
    public func latestVersion(of name: String) throws(CheckpointError) -> Int? {
        try versions(of: name).last
    }

    /// The folder holding the versions of `name`.
    public func folder(of name: String) throws(CheckpointError) -> URL {
        try Self.validate(name)
        guard let singleModel else { return root.appendingPathComponent(name, isDirectory: true) }
        guard name == singleModel else {
            throw .invalidModelName(name: name, reason: "this store holds only model '\(singleModel)' (its --model-name)")
        }
        return root
    }

    /// The folder of version `version` of `name` (whether or not it exists).
    public func versionFolder(name: String, version: Int) -> URL {
        (singleModel == nil ? root.appendingPathComponent(name, isDirectory: true) : root)
            .appendingPathComponent(String(version), isDirectory: true)
    }

    /// Where the model file of version `version` of `name` lives (whether or not it exists).
    public func url(name: String, version: Int) -> URL {
        versionFolder(name: name, version: version).appendingPathComponent(Self.fileName, isDirectory: false)
    }

    /// A cheap identity of every file of a version (name, size, modification time, inode), so
    /// that replacing any of them — the checkpoint or a file beside it — is noticed. Nil when
    /// the version folder is gone; throws when it cannot be read.
    public func fingerprint(name: String, version: Int) throws(CheckpointError) -> String? {
        let folder = versionFolder(name: name, version: version)
        guard try FileSystem.kind(of: folder) == .directory else { return nil }
        var parts: [String] = []
        for entry in try FileSystem.entries(of: folder).sorted() where !entry.hasPrefix(".") {
            guard let status = try FileSystem.status(of: folder.appendingPathComponent(entry)) else { continue }
            parts.append("\(entry):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec):\(status.st_ino)")
        }
        return parts.joined(separator: "|")
    }

    /// The version activated for `name` (nil when none is: the highest is served). Throws when
    /// the activation file cannot be read or does not hold a version in range.
    public func activation(of name: String) throws(CheckpointError) -> Int? {
        let url = try activationURL(name)
        guard let status = try FileSystem.status(of: url) else { return nil }
        // A few bytes are expected; a big file is not an activation and is not read into memory.
        guard status.st_size <= 4096 else {
            throw .invalidActivation(file: url.path, reason: "it is \(status.st_size) bytes; expected {\"version\": n}")
        }
        let bytes = try FileSystem.readAll(url)
        guard let file = try? JSONDecoder().decode(ActivationFile.self, from: Data(bytes)) else {
            throw .invalidActivation(file: url.path, reason: "expected {\"version\": n} with a whole number n")
        }
        if let problem = ModelVersion.problem(with: file.version) { throw .invalidActivation(file: url.path, reason: problem) }
        return file.version
    }

    /// Stores `version` as the activated version of `name` (atomically, in the model's folder).
    public func storeActivation(name: String, version: Int) throws(CheckpointError) {
        let url = try activationURL(name)
        try FileSystem.makeDirectories(url.deletingLastPathComponent())
        if let problem = ModelVersion.problem(with: version) { throw .invalidActivation(file: url.path, reason: problem) }
        try AtomicFile.write(Array("{\"version\":\(version)}\n".utf8), to: url)
    }

    /// Writes `file` as a new version of `name`, with `companions` (file name → bytes) beside
    /// it, and returns the version: one above the highest number in use, claimed with `mkdir`
    /// so that concurrent writers (threads or processes) never share one. The companions are
    /// written first and the model file last, by rename: a reader sees no version or a whole one.
    public func writeNewVersion(name: String, file: SafeTensorsFile, companions: [String: [UInt8]] = [:])
        throws(CheckpointError) -> Int
    {
        for companion in companions.keys where companion == Self.fileName || companion.hasPrefix(".")
            || companion.contains("/") || companion.isEmpty {
            throw .fileSystem(path: companion, operation: "store beside a model", reason: "not a plain file name")
        }
        let folder = try self.folder(of: name)
        try FileSystem.makeDirectories(folder)
        // Bounded: each failed claim means another writer took that number just now.
        for _ in 0..<64 {
            let highest = try listing(of: name).highestClaimed
            guard highest < ModelVersion.highest else { throw .versionsExhausted(name: name, highest: highest) }
            let version = highest + 1
            let versionFolder = self.versionFolder(name: name, version: version)
            guard try FileSystem.makeDirectory(versionFolder) else { continue }
            // Held until the model file is in place, so a sweep never takes the folder for a
            // dead writer's; a folder swept between mkdir and lock has no links: claim again.
            guard let lock = FileSystem.lockedDirectory(versionFolder) else { continue }
            defer { close(lock) }
            do {
                for (companion, bytes) in companions.sorted(by: { $0.key < $1.key }) {
                    try AtomicFile.write(bytes, to: versionFolder.appendingPathComponent(companion))
                }
                try SafeTensors.write(file, to: url(name: name, version: version))
                try FileSystem.syncDirectory(folder.path)
            } catch {
                // Free the number rather than leave a folder that never completes.
                try? FileManager.default.removeItem(at: versionFolder)
                throw error
            }
            return version
        }
        throw .fileSystem(path: folder.path, operation: "claim a new version folder",
                          reason: "other writers took every number tried (64 attempts)")
    }

    /// Removes what interrupted writes left (temp files nobody holds, and version folders
    /// still empty whose writer is gone); returns their paths. Safe while others write.
    @discardableResult
    public func removeLeftovers() -> [String] {
        var removed = AtomicFile.removeLeftovers(in: root)
        let folders = singleModel != nil ? [root]
            : ((try? FileSystem.entries(of: root)) ?? []).filter { Self.validationProblem($0) == nil }
                .map { root.appendingPathComponent($0) }
        for folder in folders {
            if folder != root { removed += AtomicFile.removeLeftovers(in: folder) }
            for entry in (try? FileSystem.entries(of: folder)) ?? [] {
                guard case .success = ModelVersion.parse(entry) else { continue }
                let versionFolder = folder.appendingPathComponent(entry)
                guard (try? FileSystem.kind(of: versionFolder)) == .directory else { continue }
                removed += AtomicFile.removeLeftovers(in: versionFolder)
                if FileSystem.removeIfEmptyAndUnlocked(versionFolder) { removed.append(versionFolder.path) }
            }
        }
        return removed
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

    /// The activation file's content.
    private struct ActivationFile: Decodable {
        var version: Int
    }

    private func activationURL(_ name: String) throws(CheckpointError) -> URL {
        try folder(of: name).appendingPathComponent(Self.activationFileName, isDirectory: false)
    }
}

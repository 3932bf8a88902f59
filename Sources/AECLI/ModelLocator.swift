// Turns what a user types after --model into the checkpoint file it means.
import AECheckpoint
import Foundation

/// Resolves model paths: `models/<name>` (highest version), `models/<name>/<v>`, or a file.
enum ModelLocator {
    /// The checkpoint file `path` refers to.
    static func resolve(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError("\(path): no such file or folder")
        }
        guard isDirectory.boolValue else { return url }
        let direct = url.appendingPathComponent(ModelStore.fileName)
        if FileManager.default.fileExists(atPath: direct.path) { return direct }
        let store = ModelStore(root: url.deletingLastPathComponent())
        let name = url.lastPathComponent
        guard let version = try store.latestVersion(of: name) else {
            throw CLIError("\(path): holds neither \(ModelStore.fileName) nor version folders (1, 2, …)")
        }
        return store.url(name: name, version: version)
    }

    /// The store and model name of an output folder `models/<name>`.
    static func output(_ path: String) throws -> (ModelStore, String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let name = url.lastPathComponent
        try ModelStore.validate(name)
        return (ModelStore(root: url.deletingLastPathComponent()), name)
    }
}

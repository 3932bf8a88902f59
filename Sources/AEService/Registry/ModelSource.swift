// Where model versions come from: today a folder in TensorFlow Serving's layout; the
// interface is small so replicas can later read a shared store without a rewrite.
import AECheckpoint
import AEMath
import AEModel
import Foundation

/// A place that lists, loads and stores model versions.
public protocol ModelSource: Sendable {
    /// Names of the models that have at least one version.
    func modelNames() throws -> [String]
    /// The versions of `name`, ascending.
    func versions(of name: String) throws -> [Int]
    /// A cheap identity of a version's file (size and modification time), to notice changes.
    func fingerprint(name: String, version: Int) -> String?
    /// Loads and validates one version.
    func load(name: String, version: Int) throws -> LoadedModel
    /// Stores `model` as the next version of `name` and returns that version.
    func store(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata) throws -> Int
}

/// A `ModelSource` over a local models root: `<root>/<name>/<version>/model.safetensors`.
public struct FolderModelSource: ModelSource {
    /// The versioned folders.
    public let store: ModelStore

    /// A source reading `root`.
    public init(root: URL) {
        store = ModelStore(root: root)
    }

    public func modelNames() throws -> [String] {
        guard FileManager.default.fileExists(atPath: store.root.path) else { return [] }
        return try store.modelNames()
    }

    public func versions(of name: String) throws -> [Int] {
        try store.versions(of: name)
    }

    public func fingerprint(name: String, version: Int) -> String? {
        let path = store.url(name: name, version: version).path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)@\(modified)"
    }

    public func load(name: String, version: Int) throws -> LoadedModel {
        try ModelCheckpoint.load(contentsOf: store.url(name: name, version: version))
    }

    public func store(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata) throws -> Int {
        try store.writeNewVersion(name: name, file: ModelCheckpoint.encode(model, metadata: metadata))
    }
}

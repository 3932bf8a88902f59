// Where model versions come from: a folder in TensorFlow Serving's layout, which several
// replicas may share. The interface is small so that tests can inject failures and delays.
import AECheckpoint
import AEMath
import AEModel
import Foundation

/// A place that lists, loads and stores model versions and their activations.
public protocol ModelSource: Sendable {
    /// Where it is, for messages (`models root '/srv/models'`).
    var location: String { get }
    /// The names of the models (whether or not they hold a version yet); throws when the
    /// source cannot be read, which is not the same as holding nothing.
    func modelNames() throws -> [String]
    /// What the folder of `name` holds: versions, pending writes, entries that are not versions.
    func listing(of name: String) throws -> ModelStore.Listing
    /// A cheap identity of a version's files, to notice changes; nil once the version is gone.
    func fingerprint(name: String, version: Int) throws -> String?
    /// Loads and validates one version.
    func load(name: String, version: Int) throws -> LoadedModel
    /// Stores `model` (and `companions`, file name → bytes, beside it) as the next version of
    /// `name` and returns that version.
    func store(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata,
               companions: [String: [UInt8]]) throws -> Int
    /// The version activated for `name`, or nil (serve the highest).
    func activation(of name: String) throws -> Int?
    /// Remembers `version` as the activated version of `name`, for every process sharing the source.
    func storeActivation(name: String, version: Int) throws
    /// Removes what interrupted writes left behind; returns their paths.
    func removeLeftovers() -> [String]
    /// Replaces the calibration of an existing version; its checkpoint is left as it is.
    func storeCalibration(_ calibration: CalibrationSet, name: String, version: Int) throws
}

extension ModelSource {
    /// A source that keeps no calibrations refuses to store one.
    public func storeCalibration(_ calibration: CalibrationSet, name: String, version: Int) throws {
        throw CheckpointError.fileSystem(path: location, operation: "store a calibration", reason: "this model source keeps no calibrations")
    }
}

/// A `ModelSource` over a `ModelStore`: `<root>/<name>/<version>/model.safetensors`, or one
/// model's numbered folders under a base path.
public struct FolderModelSource: ModelSource {
    /// The versioned folders.
    public let store: ModelStore

    /// A source reading `root`, one folder per model.
    public init(root: URL) {
        store = ModelStore(root: root)
    }

    /// A source over `store` (for instance one model's base path).
    public init(store: ModelStore) {
        self.store = store
    }

    public var location: String {
        store.singleModel.map { "model base path '\(store.root.path)' (model '\($0)')" } ?? "models root '\(store.root.path)'"
    }

    public func modelNames() throws -> [String] {
        try store.modelFolders()
    }

    public func listing(of name: String) throws -> ModelStore.Listing {
        try store.listing(of: name)
    }

    public func fingerprint(name: String, version: Int) throws -> String? {
        try store.fingerprint(name: name, version: version)
    }

    public func load(name: String, version: Int) throws -> LoadedModel {
        let checkpoint = store.url(name: name, version: version)
        var loaded = try ModelCheckpoint.load(contentsOf: checkpoint)
        // A damaged calibration does not take the model down: it serves uncalibrated, and
        // scoring names the problem and the fix.
        do {
            loaded.calibration = try CalibrationFile.load(contentsOf: CalibrationFile.url(besideCheckpoint: checkpoint))
        } catch {
            loaded.calibrationProblem = error.description
        }
        return loaded
    }

    public func store(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata,
                      companions: [String: [UInt8]]) throws -> Int {
        try store.writeNewVersion(name: name, file: ModelCheckpoint.encode(model, metadata: metadata), companions: companions)
    }

    public func activation(of name: String) throws -> Int? {
        try store.activation(of: name)
    }

    public func storeActivation(name: String, version: Int) throws {
        try store.storeActivation(name: name, version: version)
    }

    public func removeLeftovers() -> [String] {
        store.removeLeftovers()
    }

    public func storeCalibration(_ calibration: CalibrationSet, name: String, version: Int) throws {
        try CalibrationFile.save(calibration, to: CalibrationFile.url(besideCheckpoint: store.url(name: name, version: version)))
    }
}

// Shared fixtures for service tests: temporary model roots with small trained versions.
import AECheckpoint
import AEMath
import AEModel
import AEService
import AETestSupport
import Foundation

/// A small architecture (8 → 3 → 8) for fast service tests.
let smallArchitecture = Architecture(
    kind: .autoencoder, inputDimension: 8,
    encoder: [.init(units: 6, activation: .relu), .init(units: 3, activation: .linear)],
    decoder: [.init(units: 6, activation: .relu), .init(units: 8, activation: .sigmoid)])

/// Writes a seeded model of `architecture` as `<root>/<name>/<version>/model.safetensors`.
@discardableResult
func writeModel(root: URL, name: String, version: Int, seed: UInt64, architecture: Architecture = smallArchitecture) throws -> Autoencoder<Float> {
    let model = try Autoencoder<Float>(architecture: architecture, seed: seed)
    let url = ModelStore(root: root).url(name: name, version: version)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try ModelCheckpoint.save(model, metadata: CheckpointMetadata(seed: seed), to: url)
    return model
}

/// 64 deterministic samples of 8 values in [0, 1].
func smallVectors(count: Int = 64, seed: UInt64 = 1) -> [[Float]] {
    var g = RandomGenerator(seed: seed)
    return (0..<count).map { _ in (0..<8).map { _ in Float(g.nextUniform()) } }
}

/// A service (not started) over a fresh temporary folder holding the small model `name` v1, with
/// training off unless `configure` turns it on; the caller removes the folder.
func makeInProcessService(_ label: String, name: String = "m",
                          configure: (inout ServiceConfiguration) -> Void = { _ in }) throws -> (Service, URL) {
    let root = try TestEnvironment.temporaryDirectory(label)
    try writeModel(root: root.appendingPathComponent("models"), name: name, version: 1, seed: 1)
    var configuration = ServiceConfiguration()
    configuration.models.root = root.appendingPathComponent("models").path
    configuration.models.defaultModel = name
    configuration.models.pollIntervalSeconds = 0
    configuration.stateFolder = root.appendingPathComponent("state").path
    configuration.training.enabled = false
    configure(&configuration)
    return (try Service(configuration: configuration), root)
}


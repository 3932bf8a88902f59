import AECheckpoint
import AEData
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("Bundled models")
struct BundledModelTests {
    static let testSet = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")

    @Test("each bundled model loads, is under 5 MB, records its recipe facts, and meets its Fashion-MNIST test-set MSE",
          arguments: [("fashion-mnist", Architecture.Kind.autoencoder, 0.0100), ("fashion-mnist-vae", .variational, 0.020)])
    func bundled(name: String, kind: Architecture.Kind, bound: Double) throws {
        let url = TestEnvironment.packageRoot.appendingPathComponent("models/\(name)/1/model.safetensors")
        let loaded = try ModelCheckpoint.load(contentsOf: url)
        #expect(loaded.model.architecture.kind == kind)
        #expect(loaded.byteCount < 5_000_000)
        let metadata = loaded.metadata
        #expect(metadata.seed == 42)
        #expect(metadata.epochs == 20)
        #expect((metadata.trainingSeconds ?? 0) > 0)
        let recorded = try #require(metadata.testMSE)

        let test = try DatasetLoader.load(contentsOf: Self.testSet)
        var total = 0.0
        for start in stride(from: 0, to: test.count, by: 2000) {
            let end = min(start + 2000, test.count)
            let batch = Matrix<Float>(rows: end - start, columns: test.dimension,
                                      values: Array(test.values[(start * test.dimension)..<(end * test.dimension)]))
            total += loaded.model.reconstruct(batch).errors.reduce(0) { $0 + Double($1) }
        }
        let mse = total / Double(test.count)
        #expect(mse <= bound, "\(name): test-set MSE \(mse) is over \(bound)")
        // The recorded figure is what this checkpoint really reaches.
        #expect(abs(mse - recorded) < 1e-5, "\(name): recorded test_mse \(recorded), measured \(mse)")
    }
}

import AEMath
import AEModel
import Dispatch
import Foundation
import Testing

@Suite("Inference from many threads")
struct ConcurrencyTests {
    @Test("one immutable model serves concurrent encode/reconstruct calls with the same results as serial calls")
    func concurrentInference() throws {
        let model = try Autoencoder<Float>(architecture: Architecture.preset(named: "fashion-mnist-vae")!, seed: 3)
        var g = RandomGenerator(seed: 4)
        let inputs = (0..<16).map { i in
            Matrix<Float>(rows: 1 + i * 7, columns: 784, values: (0..<((1 + i * 7) * 784)).map { _ in Float(g.nextUniform()) })
        }
        let serial = inputs.map { model.reconstruct($0).reconstruction }
        let results = ResultBox(count: inputs.count)
        DispatchQueue.concurrentPerform(iterations: 64) { k in
            let i = k % inputs.count
            results.store(i, model.reconstruct(inputs[i]).reconstruction)
        }
        for i in inputs.indices {
            #expect(results.all(i).count == 4)
            #expect(results.all(i).allSatisfy { $0 == serial[i] })
        }
    }

    @Test("one vector through the one-job path matches the same row of a batch", arguments: ["fashion-mnist", "fashion-mnist-vae"])
    func oneRowMatchesBatch(preset: String) throws {
        let model = try Autoencoder<Float>(architecture: Architecture.preset(named: preset)!, seed: 5)
        var g = RandomGenerator(seed: 6)
        let batch = Matrix<Float>(rows: 3, columns: 784, values: (0..<(3 * 784)).map { _ in Float(g.nextUniform()) })
        let batched = model.reconstruct(batch)
        let latents = model.encode(batch).latent
        try Parallel.$taskWidth.withValue(2) {
            for r in 0..<batch.rows {
                let row = Matrix<Float>(rows: 1, columns: 784, values: batch.row(r))
                let single = model.reconstruct(row)
                try expectClose(single.reconstruction.storage, batched.reconstruction.row(r))
                try expectClose(single.errors, [batched.errors[r]])
                try expectClose(model.encode(row).latent.storage, latents.row(r))
                try expectClose(model.decode(Matrix(rows: 1, columns: latents.columns, values: latents.row(r))).storage,
                                batched.reconstruction.row(r))
            }
        }
    }

    @Test("one vector gives the same bits on one core as across the cores (a busy server uses one)",
          arguments: ["fashion-mnist", "fashion-mnist-vae"])
    func oneRowBitsDoNotDependOnWidth(preset: String) throws {
        let model = try Autoencoder<Float>(architecture: Architecture.preset(named: preset)!, seed: 7)
        var g = RandomGenerator(seed: 8)
        let row = Matrix<Float>(rows: 1, columns: 784, values: (0..<784).map { _ in Float(g.nextUniform()) })
        let wide = Parallel.$taskWidth.withValue(2) { model.reconstruct(row) }
        let narrow = Parallel.$taskWidth.withValue(1) { model.reconstruct(row) }
        #expect(wide.reconstruction == narrow.reconstruction)
        #expect(wide.errors == narrow.errors)
        #expect(Parallel.$taskWidth.withValue(2) { model.encode(row).latent } == Parallel.$taskWidth.withValue(1) { model.encode(row).latent })
    }

    private func expectClose(_ a: [Float], _ b: [Float]) throws {
        try #require(a.count == b.count)
        // gemv and gemm sum 512–784 products in different orders: float32 rounding, no more.
        let worst = zip(a, b).map { abs($0 - $1) / (abs($1) + 1) }.max() ?? 0
        #expect(worst < 1e-5)
    }
}

/// Collects results written from several threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Matrix<Float>]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func store(_ i: Int, _ m: Matrix<Float>) { lock.withLock { values[i].append(m) } }
    func all(_ i: Int) -> [Matrix<Float>] { lock.withLock { values[i] } }
}

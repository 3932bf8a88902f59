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
}

/// Collects results written from several threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Matrix<Float>]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func store(_ i: Int, _ m: Matrix<Float>) { lock.withLock { values[i].append(m) } }
    func all(_ i: Int) -> [Matrix<Float>] { lock.withLock { values[i] } }
}

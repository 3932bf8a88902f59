// The dynamic batcher: concurrent callers with different vectors each get exactly their own
// rows, within 1e-6 of the unbatched result, merged into batches no larger than max_batch.
@testable import AEService
import AECheckpoint
import AEMath
import AEModel
import Foundation
import Synchronization
import Testing

/// A served model built in memory (no files) for batcher tests.
func servedModel(_ architecture: Architecture = smallArchitecture, seed: UInt64 = 3) throws -> ServedModel {
    let model = try Autoencoder<Float>(architecture: architecture, seed: seed)
    return ServedModel(name: "m", version: 1, model: model, metadata: CheckpointMetadata(seed: seed),
                       sha256: "s\(seed)", byteCount: 0, loadedAt: Date())
}

/// Fails naming the first element where `actual` is not within 1e-6 absolute + 1e-6 relative of `expected`.
func expectClose(_ actual: Matrix<Float>?, _ expected: Matrix<Float>?, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, let expected else {
        #expect(actual == nil && expected == nil, "\(what): one side is missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.rows == expected.rows && actual.columns == expected.columns, "\(what): shape", sourceLocation: sourceLocation)
    expectClose(actual.storage, expected.storage, what, sourceLocation: sourceLocation)
}

func expectClose(_ actual: [Float], _ expected: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > 1e-6 + 1e-6 * abs(e) {
        Issue.record("\(what)[\(i)]: \(a), expected \(e) (difference \(abs(a - e)))", sourceLocation: sourceLocation)
        return
    }
}

struct DynamicBatcherTests {
    /// 300 concurrent callers of mixed operations and row counts get their own rows back.
    @Test func concurrentCallersGetTheirOwnRows() async throws {
        let plain = try servedModel()
        let variational = try servedModel(Architecture(
            kind: .variational, inputDimension: 8, encoder: [.init(units: 6, activation: .relu)],
            decoder: [.init(units: 6, activation: .relu), .init(units: 8, activation: .sigmoid)], latentDimension: 3), seed: 5)
        let sizes = Mutex<[Int]>([])
        let batcher = DynamicBatcher(settings: DynamicBatchingSettings(enabled: true, maxBatch: 16, maxDelayMicroseconds: 2000)) { rows in
            sizes.withLock { $0.append(rows) }
        }
        let vectors = smallVectors(count: 300 * 3, seed: 11)
        await withTaskGroup(of: Void.self) { group in
            for caller in 0 ..< 300 {
                group.addTask {
                    let served = caller % 2 == 0 ? plain : variational
                    let rows = 1 + caller % 3
                    let operation: BatchOperation = [.encode, .reconstruct, .decode][caller % 3]
                    let width = operation == .decode ? 3 : 8
                    let values = (0 ..< rows).flatMap { vectors[caller * 3 + $0].prefix(width) }
                    let input = Matrix<Float>(rows: rows, columns: width, values: values)
                    let batched = await batcher.run(operation, served, input)
                    let alone = DynamicBatcher.compute(operation, served.model, input)
                    expectClose(batched.latent, alone.latent, "caller \(caller) latent")
                    expectClose(batched.logVariance, alone.logVariance, "caller \(caller) log_variance")
                    expectClose(batched.reconstruction, alone.reconstruction, "caller \(caller) reconstruction")
                    expectClose(batched.errors, alone.errors, "caller \(caller) errors")
                }
            }
        }
        let seen = sizes.withLock { $0 }
        let expectedRows = (0 ..< 300).map { 1 + $0 % 3 }.reduce(0, +)
        let ranRows = seen.reduce(0, +)
        #expect(ranRows == expectedRows, "every row ran exactly once")
        #expect(seen.allSatisfy { $0 <= 16 }, "a batch exceeded max_batch: \(seen.max() ?? 0)")
        #expect(seen.contains { $0 > 3 }, "no requests were merged: \(seen)")
    }

    /// A lone request is run by the timer (it does not wait for company forever); one over
    /// max_batch runs at once, unmerged. (How long the timer waits is a benchmark matter.)
    @Test func loneAndLargeRequestsRun() async throws {
        let served = try servedModel()
        let sizes = Mutex<[Int]>([])
        let batcher = DynamicBatcher(settings: DynamicBatchingSettings(enabled: true, maxBatch: 4, maxDelayMicroseconds: 1000)) { rows in
            sizes.withLock { $0.append(rows) }
        }
        let one = Matrix<Float>(rows: 1, columns: 8, values: smallVectors(count: 1)[0])
        let result = await batcher.run(.reconstruct, served, one)
        #expect(result.reconstruction == served.model.reconstruct(one).reconstruction)
        let large = Matrix<Float>(rows: 5, columns: 8, values: smallVectors(count: 5).flatMap { $0 })
        #expect(await batcher.run(.encode, served, large).latent == served.model.encode(large).latent)
        #expect(sizes.withLock { $0 } == [1, 5])
    }

    /// A request that too few others could join (its `company`, the requests in flight when
    /// it came, plus its rows make under 8) runs at once instead of waiting out the delay;
    /// with one more in flight it waits, and merges with another that waits too.
    @Test func requestsWithLittleCompanyDoNotWait() async throws {
        let served = try servedModel()
        let sizes = Mutex<[Int]>([])
        let delay = 30_000_000
        let batcher = DynamicBatcher(settings: DynamicBatchingSettings(enabled: true, maxBatch: 64, maxDelayMicroseconds: delay)) { rows in
            sizes.withLock { $0.append(rows) }
        }
        let vectors = smallVectors(count: 3, seed: 4)
        let one = Matrix<Float>(rows: 1, columns: 8, values: vectors[0])
        let three = Matrix<Float>(rows: 3, columns: 8, values: vectors.flatMap { $0 })
        let clock = ContinuousClock()
        let started = clock.now
        let alone = await batcher.run(.reconstruct, served, one, company: 6)
        let threeAlone = await batcher.run(.encode, served, three, company: 4)
        #expect(clock.now - started < .microseconds(delay / 2), "a request with little company waited for the timer")
        #expect(alone.reconstruction == served.model.reconstruct(one).reconstruction)
        #expect(threeAlone.latent == served.model.encode(three).latent)
        #expect(sizes.withLock { $0 } == [1, 3])

        let merging = DynamicBatcher(settings: DynamicBatchingSettings(enabled: true, maxBatch: 64, maxDelayMicroseconds: 100_000)) { rows in
            sizes.withLock { $0.append(rows) }
        }
        sizes.withLock { $0 = [] }
        async let first = merging.run(.reconstruct, served, one, company: 7)
        async let second = merging.run(.reconstruct, served, Matrix(rows: 1, columns: 8, values: vectors[1]), company: 7)
        let (a, b) = await (first, second)
        expectClose(a.reconstruction, served.model.reconstruct(one).reconstruction, "first")
        expectClose(b.reconstruction, served.model.reconstruct(Matrix(rows: 1, columns: 8, values: vectors[1])).reconstruction, "second")
        #expect(sizes.withLock { $0 } == [2])
    }

    /// Off, the batcher calls the model directly and records no batches.
    @Test func disabledRunsEachRequestAlone() async throws {
        let served = try servedModel()
        let counted = Atomic<Int>(0)
        let batcher = DynamicBatcher(settings: DynamicBatchingSettings(enabled: false)) { _ in counted.add(1, ordering: .relaxed) }
        let input = Matrix<Float>(rows: 2, columns: 8, values: smallVectors(count: 2).flatMap { $0 })
        #expect(await batcher.run(.reconstruct, served, input).errors == served.model.reconstruct(input).errors)
        #expect(counted.load(ordering: .relaxed) == 0)
    }
}

// The measurements behind `aeserve bench`: sgemm, training and inference throughput in process,
// and the peak resident memory of the process.
import AEMath
import AEModel
import Foundation

/// One measured figure, printed as a table row or as one JSON line for scripts/bench.sh.
struct BenchResult: Codable, Sendable, Equatable {
    /// Who did the work; always "aeserve" here ("numpy" in scripts/bench_numpy.py).
    var runtime = "aeserve"
    /// sgemm, train, encode or reconstruct.
    var item: String
    /// BLAS threads.
    var threads: Int
    /// Matrix size of sgemm (n×n times n×n), nil for the other items.
    var n: Int?
    /// Vectors per call (inference) or per optimizer step (training), nil for sgemm.
    var batch: Int?
    /// The figure: GFLOP/s for sgemm, samples/s for train, vectors/s for encode and reconstruct.
    var value: Double
    /// The unit of `value`.
    var unit: String
    /// Floating-point operations per sample or vector, for the fraction of the sgemm ceiling.
    var flopsPerUnit: Double?
    /// Peak resident memory of the process so far, in bytes.
    var peakRSSBytes: Int

    enum CodingKeys: String, CodingKey {
        case runtime, item, threads, n, batch, value, unit
        case flopsPerUnit = "flops_per_unit"
        case peakRSSBytes = "peak_rss_bytes"
    }

    /// The result as one line of compact JSON with sorted keys.
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The column titles above `humanLine` rows.
    static let humanHeader = "item                   threads        figure            work rate    memory"

    /// The result as a row for people.
    var humanLine: String {
        let what = n.map { "\(item) n=\($0)" } ?? "\(item) batch \(batch ?? 0)"
        var line = "\(what.padding(toLength: 22, withPad: " ", startingAt: 0)) \(threads) thr  "
            + String(format: "%12.1f ", value) + unit.padding(toLength: 10, withPad: " ", startingAt: 0)
        if let flopsPerUnit { line += String(format: " %7.1f GFLOP/s", value * flopsPerUnit / 1e9) }
        return line + String(format: "  peak RSS %.0f MB", Double(peakRSSBytes) / 1e6)
    }
}

/// Throughput measurements; each returns results as soon as it has them.
enum Bench {
    /// The peak resident set size of this process, in bytes (Linux reports kilobytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        // Glibc imports RUSAGE_SELF as an enum case while getrusage takes its raw Int32.
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return usage.ru_maxrss * 1024
    }

    /// The best rate of `work` (which returns the units it did) over several rounds lasting
    /// `seconds` in all, after one warm-up call. The best round, not the mean, because the
    /// machine is shared: other processes only ever make a round slower.
    static func bestRate(seconds: Double, rounds: Int = 5, _ work: () -> Double) -> Double {
        _ = work()
        let clock = ContinuousClock()
        let roundLength = seconds / Double(rounds)
        var best = 0.0
        for _ in 0..<rounds {
            var units = 0.0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                units += work()
                elapsed = (clock.now - start).seconds
            } while elapsed < roundLength
            best = max(best, units / elapsed)
        }
        return best
    }

    /// sgemm GFLOP/s for `n`×`n` times `n`×`n` (2n³ flops a call) on `threads` BLAS threads.
    static func sgemm(n: Int, threads: Int, seconds: Double) -> BenchResult {
        let policy = ComputePolicy(cores: threads)
        policy.install()
        var generator = RandomGenerator(seed: 1)
        let a = Matrix<Float>(rows: n, columns: n, values: (0..<(n * n)).map { _ in Float(generator.nextUniform()) })
        let b = Matrix<Float>(rows: n, columns: n, values: (0..<(n * n)).map { _ in Float(generator.nextUniform()) })
        var c = Matrix<Float>(rows: n, columns: n)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        // Short rounds (a few calls each): a round that another process interrupts is dropped.
        // The ceiling is the better of OpenBLAS's own threading and Gemm's split over cores.
        let split = bestRate(seconds: seconds / 2, rounds: 10) {
            Gemm.multiply(a, b, into: &c)
            return flops
        }
        // OpenBLAS threading the product itself, with Gemm's split off (one core for it).
        let native = policy.withWidth(1) {
            policy.withNativeBLASThreads(threads) {
                bestRate(seconds: seconds / 2, rounds: 10) {
                    Gemm.multiply(a, b, into: &c)
                    return flops
                }
            }
        }
        let rate = max(split, native)
        return BenchResult(item: "sgemm", threads: threads, n: n, value: rate / 1e9, unit: "GFLOP/s",
                           peakRSSBytes: peakResidentBytes())
    }

    /// Training samples/s of the best epoch after the first (the first only when it is the only
    /// one; it pays for warm-up): Adam, no validation split, no noise.
    static func training(architecture: Architecture, data: Matrix<Float>, batchSize: Int, epochs: Int,
                         threads: Int) throws -> BenchResult {
        ComputePolicy(cores: threads).install()
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.optimizer = .adam
        options.validationSplit = 0
        var trainer = try Trainer(architecture: architecture, data: data, options: options)
        let parameters = Double(trainer.state.model.parameterCount)
        let result = try trainer.run()
        // One epoch of 10,240 samples lasts a third of a second, so a neighbour's burst can halve
        // it; like the other figures, take the best steady-state epoch.
        let steady = result.history.count > 1 ? result.history.dropFirst() : result.history[...]
        let rate = steady.map(\.samplesPerSecond).max() ?? 0
        // Forward 2 flops per weight, backward 4 (dInput and dWeight): ≈ 6 per weight per sample.
        return BenchResult(item: "train", threads: threads, batch: batchSize, value: rate, unit: "samples/s",
                           flopsPerUnit: 6 * parameters, peakRSSBytes: peakResidentBytes())
    }

    /// What an inference benchmark calls on the model.
    enum Inference: String, Sendable {
        case encode, reconstruct
    }

    /// Vectors/s of `kind` at each batch size, rows taken from the front of `data`.
    static func inference(_ kind: Inference, model: Autoencoder<Float>, data: Matrix<Float>, batches: [Int],
                          threads: Int, seconds: Double, report: (BenchResult) throws -> Void) throws {
        ComputePolicy(cores: threads).install()
        let weights = { (indices: Range<Int>) in
            Double(indices.reduce(0) { $0 + model.layers[$1].weight.count })
        }
        // A forward pass costs 2 flops per weight it multiplies by (biases and activations ignored).
        let flops = kind == .encode ? 2 * weights(model.encoderIndices) : 2 * weights(model.layers.indices)
        var sink: Float = 0
        for batch in batches {
            let input = data.gatherRows(0..<min(batch, data.rows))
            let rows = Double(input.rows)
            let rate = bestRate(seconds: seconds) {
                switch kind {
                case .encode: sink += model.encode(input).latent.storage[0]
                case .reconstruct: sink += model.reconstruct(input).errors[0]
                }
                return rows
            }
            try report(BenchResult(item: kind.rawValue, threads: threads, batch: input.rows, value: rate,
                                   unit: "vectors/s", flopsPerUnit: flops, peakRSSBytes: peakResidentBytes()))
        }
        // Keeps the results observable so that no call can be optimised away.
        if sink.isNaN { printError("bench: the model produced NaN") }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}

// `aeserve bench`: the engine's throughput in process, next to the machine's sgemm ceiling.
// scripts/bench.sh runs it item by item beside the NumPy reference and prints the comparison.
import AECheckpoint
import AEData
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// What `aeserve bench` can measure.
enum BenchItem: String, CaseIterable, ExpressibleByArgument, Sendable {
    case sgemm, train, encode, reconstruct
}

/// Measures sgemm, training and inference throughput and peak resident memory.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure sgemm, training and inference throughput and peak memory in process.",
        discussion: """
            Figures are the best of several rounds (the machine may be shared). For the comparison \
            with NumPy, one item per process, run scripts/bench.sh (make bench).
            Example: aeserve bench --only encode --seconds 2
            """)

    @Option(help: "Measure only this: \(BenchItem.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).")
    var only: BenchItem?

    @Flag(help: "Print one JSON object per figure instead of a table.")
    var json = false

    @Option(help: "BLAS threads for training, inference and the second sgemm figure.")
    var threads: Int = 2

    @Option(help: "Checkpoint for inference (folder, version folder or file); a seeded fashion-mnist model when omitted.")
    var model: String?

    @Option(help: "Training images (IDX, NPY, CSV or JSON); inference uses its first rows.")
    var dataset: String = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

    @Option(help: "Samples to train on per epoch.")
    var trainSamples: Int = 10240

    @Option(help: "Training epochs; the best epoch after the first is reported as the steady state.")
    var epochs: Int = 4

    @Option(help: "Seconds spent on each sgemm and inference measurement.")
    var seconds: Double = 1

    @Option(help: "Inference batch sizes to measure, comma-separated (e.g. 1,2,4,8,16 to choose a max_batch).",
            transform: BenchCommand.parseBatches)
    var batches: [Int] = BenchCommand.inferenceBatches

    /// The matrix size of the sgemm ceiling and the default inference batch sizes.
    static let sgemmSize = 1024, inferenceBatches = [1, 32, 1024], trainingBatch = 256

    static func parseBatches(_ text: String) throws -> [Int] {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = pieces.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 >= 1 }
        guard sizes.count == pieces.count else {
            throw ValidationError("--batches takes positive whole numbers separated by commas, got '\(text)'")
        }
        return sizes
    }

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if trainSamples < 1 { throw ValidationError("--train-samples must be at least 1, got \(trainSamples)") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        let items = only.map { [$0] } ?? BenchItem.allCases
        if !json { print(BenchResult.humanHeader) }
        for item in items {
            switch item {
            case .sgemm:
                for count in Set([1, threads]).sorted() {
                    try emit(Bench.sgemm(n: Self.sgemmSize, threads: count, seconds: seconds))
                }
            case .train:
                let data = try loadData(limit: trainSamples)
                try emit(Bench.training(architecture: try inferenceModel().architecture, data: data,
                                        batchSize: Self.trainingBatch, epochs: epochs, threads: threads))
            case .encode, .reconstruct:
                let kind: Bench.Inference = item == .encode ? .encode : .reconstruct
                let data = try loadData(limit: batches.max() ?? 1)
                try Bench.inference(kind, model: try inferenceModel(), data: data, batches: batches,
                                    threads: threads, seconds: seconds, report: emit)
            }
        }
    }

    private func emit(_ result: BenchResult) throws {
        print(json ? try result.jsonLine() : result.humanLine)
    }

    private func loadData(limit: Int) throws -> Matrix<Float> {
        try DatasetLoader.load(contentsOf: URL(fileURLWithPath: dataset), limit: limit).matrix
    }

    /// The checkpoint given, or the fashion-mnist preset with seeded weights (weights do not
    /// change the speed, so the bench runs before any model has been trained).
    private func inferenceModel() throws -> Autoencoder<Float> {
        if let model {
            return try ModelCheckpoint.load(contentsOf: try ModelLocator.resolve(model)).model
        }
        guard let architecture = Architecture.preset(named: "fashion-mnist") else {
            throw CLIError("the fashion-mnist preset is missing")
        }
        return try Autoencoder<Float>(architecture: architecture, seed: 42)
    }
}

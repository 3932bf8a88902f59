// `aeserve train`: the trainer on a local dataset, writing the next model version.
import AECheckpoint
import AEData
import AEMath
import AEModel
import AETraining
import ArgumentParser
import Foundation

/// Trains a model and writes it as the next version of `--out`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an autoencoder and write it as the next version of a model folder.",
        discussion: """
            Example:
              aeserve train --preset fashion-mnist \\
                --dataset /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\
                --test-set /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\
                --epochs 20 --out models/fashion-mnist
            """)

    @OptionGroup(title: "Architecture (one of)")
    var architecture: ArchitectureOptions

    @Option(help: "Fine-tune this model (folder, version folder or file) instead of starting fresh.")
    var base: String?

    @Option(help: "Training data: IDX, NPY, CSV or JSON, optionally gzip-compressed.")
    var dataset: String

    @Option(help: "Dataset format when the file name does not tell: idx, npy, csv or json.")
    var format: DatasetFormat?

    @Option(help: "Use only the first N training samples (after --classes).")
    var limit: Int?

    @OptionGroup(title: "One-class training")
    var labels: LabelOptions

    @Option(help: "Keep only the samples of these classes (comma-separated labels, e.g. 3 or 0,2); needs --labels.")
    var classes: ClassList?

    @Option(help: "Test set for a final reconstruction MSE (same format rules as --dataset).")
    var testSet: String?

    @Option(help: "Passes over the training data.")
    var epochs: Int = 10

    @Option(help: "Samples per mini-batch.")
    var batchSize: Int = 256

    @Option(help: "Optimizer: sgd, adam or adamw.")
    var optimizer: OptimizerKind = .adam

    @Option(help: "Learning rate.")
    var learningRate: Double = 0.001

    @Option(help: "Reconstruction loss: mse or bce.")
    var loss: Loss = .mse

    @Option(help: "Seed for weights, split, shuffles and noise (same seed and data: same weights).")
    var seed: UInt64 = 42

    @Option(help: "Fraction of the data held out for validation, in [0, 1).")
    var validationSplit: Double = 0.1

    @Option(help: "Standard deviation of Gaussian input noise (denoising); 0 for none.")
    var noise: Double = 0

    @Option(help: "Weight of the KL term (variational models).")
    var beta: Double = 1

    @Option(help: "Clip gradients to this global L2 norm.")
    var clipNorm: Double?

    @Option(help: "Stop after this many epochs without validation improvement (keeps the best weights).")
    var patience: Int?

    @Option(help: "Weight decay: L2 for sgd/adam, decoupled for adamw (default 0.01 there).")
    var weightDecay: Double?

    @Option(help: "BLAS threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Save resumable state here after each epoch; resume from it when it exists.")
    var stateFile: String?

    @Option(help: "Model folder to write the next version into, e.g. models/fashion-mnist.")
    var out: String?

    func validate() throws {
        if base == nil, architecture.architectureFile == nil, architecture.preset == nil {
            throw ValidationError("give --preset, --architecture or --base")
        }
        if base != nil, architecture.architectureFile != nil || architecture.preset != nil {
            throw ValidationError("--base takes the architecture of the base model; drop --preset/--architecture")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if (classes == nil) != (labels.labels == nil) {
            throw ValidationError("--labels and --classes go together: the labels of each sample, the classes to keep")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        do { try options.validate() } catch { throw ValidationError(error.description) }
    }

    var options: TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = batchSize
        o.optimizer = optimizer
        o.learningRate = learningRate
        o.loss = loss
        o.seed = seed
        o.validationSplit = validationSplit
        o.noise = noise
        o.beta = beta
        o.clipNorm = clipNorm
        o.earlyStopping = patience.map { .init(patience: $0) }
        o.weightDecay = weightDecay
        return o
    }

    func run() throws {
        ComputePolicy(cores: threads).install()
        let output = try out.map(ModelLocator.output)
        let data = try labels.load(dataset: dataset, format: format, limit: limit, classes: classes?.classes)
        let test = try testSet.map { try DatasetLoader.load(contentsOf: URL(fileURLWithPath: $0)) }
        let stateURL = stateFile.map { URL(fileURLWithPath: $0) }

        let start: TrainingRun.Start
        if let stateURL, FileManager.default.fileExists(atPath: stateURL.path) {
            let state = try TrainingStateFile.load(contentsOf: stateURL)
            printError("resuming from \(stateURL.path) after epoch \(state.completedEpochs)")
            start = .resume(state)
        } else if let base {
            start = .fineTune(try ModelCheckpoint.load(contentsOf: try ModelLocator.resolve(base)).model)
        } else {
            guard let architecture = try architecture.load() else { throw CLIError("no architecture") }
            start = .fresh(architecture)
        }
        var run = try TrainingRun(start: start, data: data.matrix, options: options,
                                  datasetName: URL(fileURLWithPath: dataset).lastPathComponent, testSet: test?.matrix,
                                  classes: classes?.classes)
        let kind = run.state.model.architecture.kind.rawValue
        let samples = run.trainer.trainingSampleCount
        printError("training \(kind) on \(data.count) samples of \(data.dimension) (\(samples) for training), \(threads) BLAS thread(s)")

        let display = ProgressDisplay()
        let outcome = try run.run(
            onEpoch: { record, state in
                display.epoch(record, of: epochs)
                if let stateURL { try TrainingStateFile.save(state, to: stateURL) }
            },
            onBatch: { display.batch($0, samplesPerEpoch: samples) })
        if let testMSE = outcome.testMSE, let test {
            printError(String(format: "test-set reconstruction MSE %.6f (%d samples)", testMSE, test.count))
        }
        printError(CalibrationSummary.line(outcome.calibration))
        guard let (store, name) = output else {
            printError("not saved: give --out models/<name> to write a version")
            return
        }
        let version = try store.writeNewVersion(name: name, file: outcome.checkpoint, companions: outcome.companions)
        if let stateURL { try? FileManager.default.removeItem(at: stateURL) }
        print(store.url(name: name, version: version).path)
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

// `aeserve calibrate`: recompute a version's calibration offline, written beside its
// checkpoint (calibration.json) without touching the checkpoint.
import AECheckpoint
import AEData
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// Scores a dataset with a model version and stores the distribution as its calibration.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Compute a model version's calibration (its score distribution on normal data) without changing its checkpoint.",
        discussion: """
            Writes calibration.json beside the checkpoint, atomically; a server reading the same \
            models folder picks it up at its next poll. Example, the validation split the bundled \
            model was trained with:
              aeserve calibrate models/fashion-mnist/1 \\
                --dataset /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\
                --validation-split 0.1 --seed 42
            """)

    @Argument(help: "Model folder (its highest version), version folder, or .safetensors file.")
    var model: String

    @Option(help: "Data the model should find normal: IDX, NPY, CSV or JSON, optionally gzip-compressed.")
    var dataset: String

    @Option(help: "Dataset format when the file name does not tell: idx, npy, csv or json.")
    var format: DatasetFormat?

    @Option(help: "Use only the first N samples (after --classes, before --validation-split, as training does).")
    var limit: Int?

    @OptionGroup(title: "Normal classes")
    var labels: LabelOptions

    @Option(help: "Keep only the samples of these classes (comma-separated labels); needs --labels.")
    var classes: ClassList?

    @Option(help: "Score only the held-out split a training run with this validation_split and --seed made.")
    var validationSplit: Double?

    @Option(help: "Seed of the validation split and of the ELBO draws.")
    var seed: UInt64 = 0

    @Option(help: "Score kinds to calibrate, comma-separated (default: every kind the model offers: mse, and elbo for variational models).")
    var scores: String?

    @Option(help: "ELBO draws per vector (variational models).")
    var samples: Int = ELBOSettings.defaultSamples

    @Option(help: "ELBO: weight of the KL term (default: the model's calibration or metadata, else 1).")
    var beta: Double?

    @Option(help: "ELBO: reconstruction loss, mse or bce (default: the model's calibration or metadata, else mse).")
    var loss: Loss?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if (classes == nil) != (labels.labels == nil) {
            throw ValidationError("--labels and --classes go together: the labels of each sample, the classes to keep")
        }
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be in (0, 1), got \(validationSplit)")
        }
        if !(1...ELBOSettings.maximumSamples).contains(samples) {
            throw ValidationError("--samples must be from 1 to \(ELBOSettings.maximumSamples), got \(samples)")
        }
        if let beta, !(beta.isFinite && beta >= 0) { throw ValidationError("--beta must be a finite number ≥ 0, got \(beta)") }
        _ = try kinds()
    }

    /// The kinds asked for, or nil for every kind the model offers.
    func kinds() throws -> [ScoreKind]? {
        try scores.map { text in
            try text.split(separator: ",").map { name in
                guard let kind = ScoreKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--scores: unknown score '\(name)'; use \(ScoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return kind
            }
        }
    }

    func run() throws {
        let url = try ModelLocator.resolve(model)
        let loaded = try ModelCheckpoint.load(contentsOf: url)
        let calibrationURL = CalibrationFile.url(besideCheckpoint: url)
        let existing = try CalibrationFile.load(contentsOf: calibrationURL)
        // Classes, then limit, then the split: the order a training run reads its data in.
        var data = try labels.load(dataset: dataset, format: format, limit: limit, classes: classes?.classes)
        let name = URL(fileURLWithPath: dataset).lastPathComponent
        var source = CalibrationSource(kind: "dataset", dataset: name, classes: classes?.classes)
        // With a split, as a training run: held-out rows for the quantiles, the training rows
        // for the hybrid score's density.
        var densityData: Matrix<Float>?
        if let validationSplit {
            let split = Trainer.split(rows: data.count, validationSplit: validationSplit, seed: seed)
            let rows = split.validation
            guard !rows.isEmpty else { throw CLIError("--validation-split \(validationSplit) of \(data.count) samples holds none out") }
            densityData = data.matrix.gatherRows(split.training[...])
            data = try Dataset(values: rows.flatMap { data[$0] }, dimension: data.dimension, source: data.source)
            source = .validationSplit(dataset: name, fraction: validationSplit, seed: seed, classes: classes?.classes)
        }
        var elbo = ELBOSettings(metadata: loaded.metadata, calibration: existing, samples: samples, seed: seed)
        elbo.beta = beta ?? elbo.beta
        elbo.loss = loss ?? elbo.loss
        var calibrations = existing?.scores ?? [:]
        let now = ISO8601DateFormatter().string(from: Date())
        for kind in try kinds() ?? ScoreKind.available(for: loaded.model.architecture) {
            calibrations[kind] = try Calibration.compute(model: loaded.model, data: data.matrix, kind: kind, elbo: elbo,
                                                         densityData: densityData, source: source, createdAt: now)
        }
        let set = CalibrationSet(Array(calibrations.values))
        try CalibrationFile.save(set, to: calibrationURL)
        printError(CalibrationSummary.line(set))
        print(calibrationURL.path)
    }
}

// `aeserve score`: anomaly scores of a dataset offline, and with labels how well they
// separate the normal classes from the rest (AUROC, AUPRC, the rates at the threshold).
import AECheckpoint
import AEData
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// Scores every sample of a file and, given labels, measures the detector.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score the samples of a file for anomalies; with labels, print AUROC, AUPRC and the rates at the threshold.",
        discussion: """
            Example, with class 0 as normal:
              aeserve score --model models/tshirts \\
                --dataset /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\
                --labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz --normal-classes 0
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Samples to score: IDX, NPY, CSV or JSON, optionally gzip-compressed.")
    var dataset: String

    @Option(help: "Dataset format when the file name does not tell: idx, npy, csv or json.")
    var format: DatasetFormat?

    @Option(help: "Use only the first N samples (and labels).")
    var limit: Int?

    @OptionGroup(title: "Evaluation")
    var labels: LabelOptions

    @Option(help: "The classes that are normal (comma-separated labels); every other class counts as an anomaly. Needs --labels.")
    var normalClasses: ClassList?

    @Option(help: "Score kind: mse (reconstruction error), hybrid (error and latent distance; needs a calibration) or elbo (variational models).")
    var score: ScoreKind = .mse

    @Option(help: "Flag scores above this calibration quantile (0.5 to 1; default 0.99).")
    var thresholdQuantile: Double?

    @Option(help: "Flag scores above this value instead of a calibrated quantile.")
    var threshold: Double?

    @Option(help: "ELBO draws per vector (default: the calibration's, else 16).")
    var samples: Int?

    @Option(help: "Seed of the ELBO draws (default: the calibration's, else 0).")
    var seed: UInt64?

    @Option(help: "Write the per-sample scores to this file (.npy or .csv).")
    var output: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if (normalClasses == nil) != (labels.labels == nil) {
            throw ValidationError("--labels and --normal-classes go together: the labels of each sample, the classes that are normal")
        }
        if threshold != nil && thresholdQuantile != nil { throw ValidationError("give --threshold or --threshold-quantile, not both") }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
        if let samples, !(1...ELBOSettings.maximumSamples).contains(samples) {
            throw ValidationError("--samples must be from 1 to \(ELBOSettings.maximumSamples), got \(samples)")
        }
        if score != .elbo && (samples != nil || seed != nil) { throw ValidationError("--samples and --seed apply to --score elbo") }
    }

    func run() throws {
        let (loaded, url) = try model.load()
        let calibration = try CalibrationFile.load(contentsOf: CalibrationFile.url(besideCheckpoint: url))
        let data = try DatasetLoader.load(contentsOf: URL(fileURLWithPath: dataset), format: format, limit: limit)
        let elbo = ELBOSettings(metadata: loaded.metadata, calibration: calibration, samples: samples, seed: seed)
        let density = calibration?[.hybrid]?.latent
        if let problem = loaded.model.scoringProblem(columns: data.dimension, kind: score, elbo: elbo, density: density) {
            let fix = score == .hybrid ? "; run aeserve calibrate on \(model.model)" : ""
            throw CLIError("\(data.source): \(problem)\(fix)")
        }
        let (thresholdValue, thresholdText) = try resolveThreshold(calibration)
        let scores = loaded.model.scores(data.matrix, kind: score, elbo: elbo, density: density)
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw CLIError("\(data.source), sample \(bad): the score is \(scores[bad]); its values overflow the model")
        }
        let flagged = scores.filter { Double($0) > thresholdValue }.count
        var metrics: DetectionMetrics?
        if let normal = normalClasses?.classes, var labels = try labels.load() {
            if let limit, labels.values.count > limit { labels = try Labels(Array(labels.values.prefix(limit)), source: labels.source) }
            let isNormal = try labels.membership(of: normal, count: data.count, dataset: data.source)
            metrics = try DetectionMetrics(scores: scores, isAnomaly: isNormal.map { !$0 }, threshold: thresholdValue)
        }
        if let output {
            try DatasetWriter.write(scores, rows: scores.count, columns: 1, to: URL(fileURLWithPath: output))
        }
        if json {
            let report = ScoreReport(model: url.path, score: score.rawValue, count: scores.count, flagged: flagged,
                                     threshold: .init(value: thresholdValue, description: thresholdText),
                                     evaluation: metrics, normalClasses: metrics == nil ? nil : normalClasses?.classes ?? [])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let text = try encoder.encode(report)
            print(String(decoding: text, as: UTF8.self))
            return
        }
        print("model      \(url.path)")
        print("score      \(score.rawValue), threshold \(String(format: "%.6g", thresholdValue)) (\(thresholdText))")
        print(String(format: "flagged    %d of %d (%.2f %%)", flagged, scores.count, 100 * Double(flagged) / Double(scores.count)))
        if let metrics, let normal = normalClasses?.classes {
            print("normal     classes \(normal.map(String.init).joined(separator: ",")): \(metrics.normalCount) samples; \(metrics.anomalyCount) anomalies")
            print(String(format: "AUROC      %.4f", metrics.auroc))
            print(String(format: "AUPRC      %.4f", metrics.auprc))
            print(String(format: "FPR        %.4f  (normal samples flagged)", metrics.falsePositiveRate))
            print(String(format: "TPR        %.4f  (anomalies flagged)", metrics.truePositiveRate))
        }
    }

    /// The threshold value and how it was chosen.
    private func resolveThreshold(_ calibration: CalibrationSet?) throws -> (Double, String) {
        if let threshold { return (threshold, "given") }
        let quantile = thresholdQuantile ?? Calibration.defaultQuantile
        guard let calibrated = calibration?[score] else {
            throw CLIError("""
                \(model.model) has no calibration for score '\(score.rawValue)'; run aeserve calibrate on it, \
                or give --threshold
                """)
        }
        let (value, interpolated) = try calibrated.threshold(atQuantile: quantile)
        return (value, "calibration q\(quantile)\(interpolated ? ", interpolated" : "") of \(calibrated.count) \(calibrated.source.kind) vectors")
    }
}

/// `aeserve score --json`: the counts, the threshold and, with labels, the evaluation.
private struct ScoreReport: Encodable {
    var model: String
    var score: String
    var count: Int
    var flagged: Int
    var threshold: Threshold
    var evaluation: DetectionMetrics?
    var normalClasses: [Int]?

    /// The threshold applied, and where it came from.
    struct Threshold: Encodable {
        var value: Double
        var description: String
    }

    enum CodingKeys: String, CodingKey {
        case model, score, count, flagged, threshold, evaluation
        case normalClasses = "normal_classes"
    }
}

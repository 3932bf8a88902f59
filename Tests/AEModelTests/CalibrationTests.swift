// Holds calibration, thresholds, ELBO scores and detection measures to golden values from
// NumPy and scikit-learn (make_anomaly_reference.py), and checks their reproducibility.
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

private struct AnomalyReference: Decodable {
    var format_version: Int
    var quantiles: [Double]
    var bins: Int
    var distributions: [Distribution]
    var detections: [Detection]
    var elbo: [ELBOCase]
    var hybrid: [HybridCase]

    struct Distribution: Decodable {
        var name: String
        var scores: [Double]
        var quantiles: [Double]
        var min: Double, max: Double, mean: Double
        var histogram: ScoreHistogram
    }

    struct Detection: Decodable {
        var name: String
        var scores: [Double]
        var is_anomaly: [Bool]
        var threshold: Double
        var auroc: Double, auprc: Double
        var false_positive_rate: Double, true_positive_rate: Double
    }

    struct ELBOCase: Decodable {
        var architecture: Architecture
        var layers: [LayerValues]
        var input: [[Double]]
        var noise: [[[Double]]]
        var loss: Loss
        var beta: Double
        var scores: [Double]
    }

    struct HybridCase: Decodable {
        var architecture: Architecture
        var layers: [LayerValues]
        var calibration: [[Double]]
        var new: [[Double]]
        var mean: [Double]
        var log_error: LatentDensity.Scale
        var log_distance: LatentDensity.Scale
        var new_distances: [Double]
        var calibration_scores: [Double]
        var new_scores: [Double]
        var quantiles: [Double]
        var new_quantiles: [Double]
    }

    static let supportedFormat = 1

    static func load() throws -> AnomalyReference {
        let url = try #require(Bundle.module.url(forResource: "anomaly_reference", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(AnomalyReference.self, from: Data(contentsOf: url))
        try #require(reference.format_version == supportedFormat,
                     "anomaly_reference.json has format \(reference.format_version), tests expect \(supportedFormat): re-run make_anomaly_reference.py")
        return reference
    }
}

private let validation = CalibrationSource.validationSplit(dataset: "test", fraction: 0.1, seed: 1)

@Suite("Anomaly calibration and scores")
struct CalibrationTests {
    @Test("quantiles, min, max, mean and the histogram agree with NumPy's np.quantile and np.histogram")
    func distributions() throws {
        let reference = try AnomalyReference.load()
        #expect(reference.quantiles == Calibration.storedQuantiles)
        #expect(reference.bins == ScoreHistogram.binCount)
        for d in reference.distributions {
            let c = Calibration(scores: d.scores.map(Float.init), score: .mse, source: validation)
            expectClose(c.quantiles.map(\.value), d.quantiles, rtol: 1e-12, atol: 0, "\(d.name) quantiles")
            #expect(c.quantiles.map(\.quantile) == Calibration.storedQuantiles)
            expectClose([c.min, c.max, c.mean], [d.min, d.max, d.mean], rtol: 1e-12, atol: 0, "\(d.name) min/max/mean")
            #expect(c.histogram.counts == d.histogram.counts, "\(d.name) histogram counts")
            expectClose(c.histogram.edges, d.histogram.edges, rtol: 1e-12, atol: 1e-15, "\(d.name) histogram edges")
            #expect(c.count == d.scores.count)
            #expect(CalibrationSet([c]).problem == nil, "\(d.name) is consistent")
        }
    }

    @Test("AUROC, AUPRC and the rates at a threshold agree with scikit-learn, ties included")
    func detection() throws {
        for d in try AnomalyReference.load().detections {
            let m = try DetectionMetrics(scores: d.scores.map(Float.init), isAnomaly: d.is_anomaly, threshold: d.threshold)
            expectClose([m.auroc, m.auprc], [d.auroc, d.auprc], rtol: 1e-12, atol: 1e-12, "\(d.name) AUROC, AUPRC")
            expectClose([m.falsePositiveRate, m.truePositiveRate], [d.false_positive_rate, d.true_positive_rate],
                        rtol: 0, atol: 0, "\(d.name) rates")
        }
    }

    @Test("AUROC of one class only is refused with the counts")
    func detectionNeedsBothClasses() {
        #expect(throws: CalibrationError.self) {
            try DetectionMetrics(scores: [0.1, 0.2], isAnomaly: [false, false], threshold: 0.5)
        }
    }

    @Test("the negative ELBO of given draws agrees with NumPy, mse and bce, with beta")
    func elbo() throws {
        for c in try AnomalyReference.load().elbo {
            let model: Autoencoder<Float> = try makeModel(c.architecture, c.layers)
            let scores = model.negativeELBO(matrix(c.input), noise: c.noise.map { matrix($0) }, beta: c.beta, loss: c.loss)
            expectClose(scores.map(Double.init), c.scores, rtol: 2e-5, atol: 1e-6, "\(c.loss) ELBO")
        }
    }

    @Test("the hybrid score agrees with NumPy: the codes' Gaussian, the distances, both scales, the scores and their quantiles")
    func hybrid() throws {
        for c in try AnomalyReference.load().hybrid {
            let model: Autoencoder<Float> = try makeModel(c.architecture, c.layers)
            let calibration = try Calibration.compute(model: model, data: matrix(c.calibration), kind: .hybrid, source: validation)
            let density = try #require(calibration.latent)
            let rows = "\(c.calibration.count) rows"
            expectClose(density.mean, c.mean, rtol: 1e-5, atol: 1e-6, "\(rows): mean code")
            expectClose([density.logError.mean, density.logError.deviation], [c.log_error.mean, c.log_error.deviation],
                        rtol: 1e-4, atol: 1e-5, "\(rows): error scale")
            expectClose([density.logDistance.mean, density.logDistance.deviation], [c.log_distance.mean, c.log_distance.deviation],
                        rtol: 1e-4, atol: 1e-5, "\(rows): distance scale")
            expectClose(calibration.quantiles.map(\.value), c.quantiles, rtol: 1e-4, atol: 1e-4, "\(rows): quantiles")
            #expect(calibration.count == c.calibration.count && CalibrationSet([calibration]).problem == nil)
            let new: Matrix<Float> = matrix(c.new)
            expectClose(density.distances(model.encode(new).latent), c.new_distances, rtol: 1e-4, atol: 1e-6, "\(rows): distances")
            let scores = model.scores(new, kind: .hybrid, density: density)
            expectClose(scores.map(Double.init), c.new_scores, rtol: 1e-4, atol: 1e-4, "\(rows): scores")
            // Fitted to other vectors (a run's training split), scoring these (its held-out ones).
            let elsewhere = try Calibration.compute(model: model, data: new, kind: .hybrid, densityData: matrix(c.calibration),
                                                    source: validation)
            #expect(elsewhere.latent == density && elsewhere.count == c.new.count)
            expectClose(elsewhere.quantiles.map(\.value), c.new_quantiles, rtol: 1e-4, atol: 1e-4, "\(rows): quantiles elsewhere")
            #expect(model.scoringProblem(columns: 6, kind: .hybrid, elbo: ELBOSettings(), density: density) == nil)
            #expect(model.scoringProblem(columns: 6, kind: .hybrid, elbo: ELBOSettings())?.contains("calibration") == true)
        }
    }

    @Test("calibration is reproducible: the same model, data and seed give the same numbers; another seed other ELBO numbers")
    func reproducible() throws {
        let architecture = Architecture(kind: .variational, inputDimension: 6, encoder: [.init(units: 5, activation: .tanh)],
                                        decoder: [.init(units: 6, activation: .sigmoid)], latentDimension: 2)
        let model = try Autoencoder<Float>(architecture: architecture, seed: 4)
        var g = RandomGenerator(seed: 9)
        let data = Matrix<Float>(rows: 2500, columns: 6, values: (0..<15000).map { _ in Float(g.nextUniform()) })
        for kind in ScoreKind.allCases {
            let a = try Calibration.compute(model: model, data: data, kind: kind, source: validation)
            let b = try Calibration.compute(model: model, data: data, kind: kind, source: validation)
            #expect(a == b, "\(kind)")
            #expect(a.count == 2500)
        }
        let other = try Calibration.compute(model: model, data: data, kind: .elbo, elbo: ELBOSettings(seed: 1), source: validation)
        #expect(other.quantiles != (try Calibration.compute(model: model, data: data, kind: .elbo, source: validation)).quantiles)
        // The mse calibration is the distribution of the errors `reconstruct` reports.
        let errors = model.reconstruct(data).errors
        let direct = Calibration(scores: errors, score: .mse, source: validation)
        #expect(try Calibration.compute(model: model, data: data, kind: .mse, source: validation) == direct)
    }

    @Test("compute refuses empty data, the wrong width, and elbo on a plain autoencoder, naming the fix")
    func computeRefusals() throws {
        let model = try Autoencoder<Float>(architecture: Architecture.preset(named: "seed")!, seed: 1)
        let cases: [(Matrix<Float>, ScoreKind, String)] = [
            (Matrix(rows: 0, columns: 784), .mse, "no rows"),
            (Matrix(rows: 2, columns: 5), .mse, "input_dim 784"),
            (Matrix(rows: 2, columns: 784), .elbo, "variational"),
        ]
        for (data, kind, mention) in cases {
            do {
                _ = try Calibration.compute(model: model, data: data, kind: kind, source: validation)
                Issue.record("\(mention): expected an error")
            } catch {
                #expect(error.description.contains(mention), "\(error.description)")
            }
        }
    }

    @Test("the hybrid score is offered up to latent_dim 128 and refused above it, naming the limit")
    func hybridLatentLimit() throws {
        let wide = Architecture(kind: .autoencoder, inputDimension: 4, encoder: [.init(units: 129, activation: .linear)],
                                decoder: [.init(units: 4, activation: .sigmoid)])
        #expect(ScoreKind.available(for: wide) == [.mse])
        #expect(ScoreKind.available(for: Self.splitArchitecture) == [.mse, .hybrid])
        let model = try Autoencoder<Float>(architecture: wide, seed: 1)
        let data = Matrix<Float>(rows: 3, columns: 4, repeating: 0.5)
        #expect(throws: CalibrationError.self) { try Calibration.compute(model: model, data: data, kind: .hybrid, source: validation) }
        #expect(model.scoringProblem(columns: 4, kind: .hybrid, elbo: ELBOSettings())?.contains("up to 128") == true)
    }

    @Test("thresholds: a stored quantile exactly, others interpolated between their neighbours, 1 is the max, others refused")
    func thresholds() throws {
        let c = Calibration(scores: (1...1000).map { Float($0) / 1000 }, score: .mse, source: validation)
        let stored = try c.threshold(atQuantile: 0.99)
        #expect(stored.value == c.quantiles[3].value && !stored.interpolated)
        let between = try c.threshold(atQuantile: 0.97)
        let (v95, v99) = (c.quantiles[2].value, c.quantiles[3].value)
        #expect(between.interpolated)
        #expect(abs(between.value - (v95 + 0.5 * (v99 - v95))) < 1e-12)
        #expect(try c.threshold(atQuantile: 1) == (c.max, false))
        let top = try c.threshold(atQuantile: 0.9995)
        #expect(top.interpolated && top.value > c.quantiles[5].value && top.value < c.max)
        for q in [0.49, 1.01, -1, .nan] {
            #expect(throws: CalibrationError.self, "\(q)") { try c.threshold(atQuantile: q) }
        }
    }

    @Test("a calibration set with inconsistent numbers names the field at fault")
    func setProblems() {
        let good = Calibration(scores: [0.1, 0.2, 0.3], score: .mse, source: validation)
        var decreasing = good
        decreasing.quantiles[2].value = 0.01
        var counts = good
        counts.count = 4
        var missingELBO = good
        missingELBO.score = .elbo
        var missingDensity = good
        missingDensity.score = .hybrid
        var shortWhitening = missingDensity
        shortWhitening.latent = LatentDensity(mean: [0, 0], whitening: [1, 0, 0], logError: .init(mean: 0, deviation: 1),
                                              logDistance: .init(mean: 0, deviation: 1))
        var flatScale = shortWhitening
        flatScale.latent = LatentDensity(mean: [0], whitening: [1], logError: .init(mean: 0, deviation: 0),
                                         logDistance: .init(mean: 0, deviation: 1))
        let cases: [(CalibrationSet, String)] = [
            (CalibrationSet([decreasing]), "must not decrease"),
            (CalibrationSet([counts]), "histogram"),
            (CalibrationSet([missingELBO]), "elbo settings"),
            (CalibrationSet([missingDensity]), "latent density"),
            (CalibrationSet([shortWhitening]), "latent.whitening"),
            (CalibrationSet([flatScale]), "deviation"),
            (CalibrationSet([]), "empty"),
        ]
        for (set, mention) in cases {
            #expect(set.problem?.contains(mention) == true, "\(set.problem ?? "no problem") should mention \(mention)")
        }
        var wrongFormat = CalibrationSet([good])
        wrongFormat.format = "aeserve-calibration/9"
        #expect(wrongFormat.problem?.contains("aeserve-calibration/1") == true)
    }

    @Test("feature errors are the squared differences; top features are the largest first, ties to the lower index")
    func featureErrors() {
        let input = Matrix<Float>(rows: 2, columns: 4, values: [0, 0, 0, 0, 1, 1, 1, 1])
        let reconstruction = Matrix<Float>(rows: 2, columns: 4, values: [0.5, -1, 0.5, 0.25, 1, 0, 1, 3])
        let squared = FeatureErrors.squared(reconstruction: reconstruction, input: input)
        #expect(squared == [0.25, 1, 0.25, 0.0625, 0, 1, 0, 4])
        let top = FeatureErrors.top(3, of: squared[0..<4])
        #expect(top.map(\.index) == [1, 0, 2] && top.map(\.error) == [1, 0.25, 0.25])
        #expect(FeatureErrors.top(2, of: squared[4..<8]).map(\.index) == [3, 1])
        #expect(FeatureErrors.top(9, of: squared[4..<8]).count == 4)
    }

    @Test("the validation split calibration scores is the trainer's own held-out rows")
    func validationSplit() throws {
        let (trainer, data) = try Self.splitRun(rows: 50, validationSplit: 0.2, seed: 5, dataSeed: 2)
        let split = Trainer.split(rows: 50, validationSplit: 0.2, seed: 5)
        #expect(split.validation.count == 10 && split.training.count == 40)
        #expect(Set(split.validation).isDisjoint(with: split.training))
        #expect(trainer.validationSamples == data.gatherRows(split.validation[...]))
        #expect(Trainer.split(rows: 50, validationSplit: 0, seed: 5).validation.isEmpty)
    }

    @Test("a run's hybrid density is fitted to its training split; its quantiles are the held-out split's scores")
    func hybridOfARun() throws {
        let (trainer, _) = try Self.splitRun(rows: 60, validationSplit: 0.25, seed: 42, dataSeed: 3)
        let model = try Autoencoder<Float>(architecture: Self.splitArchitecture, seed: 7)
        let hybrid = try #require(try trainer.calibration(of: model, dataset: "d")[.hybrid])
        let training = model.codesAndErrors(trainer.trainingSamples)
        let density = LatentDensity(codes: training.codes, errors: training.errors)
        #expect(hybrid.latent == density)
        let held = model.codesAndErrors(trainer.validationSamples)
        #expect(hybrid == Calibration(scores: density.scores(codes: held.codes, errors: held.errors), score: .hybrid,
                                      latent: density, source: hybrid.source))
        #expect(hybrid.count == 15)
    }

    /// The architecture of the split tests: 8 → 3 (linear) → 8 (sigmoid).
    static let splitArchitecture = Architecture(kind: .autoencoder, inputDimension: 8,
                                                encoder: [.init(units: 3, activation: .linear)],
                                                decoder: [.init(units: 8, activation: .sigmoid)])

    /// A trainer over `rows` uniform random rows (drawn from `dataSeed`) holding out
    /// `validationSplit` of them, split by `seed`, and its data.
    static func splitRun(rows: Int, validationSplit: Double, seed: UInt64,
                         dataSeed: UInt64) throws -> (Trainer, Matrix<Float>) {
        var g = RandomGenerator(seed: dataSeed)
        let data = Matrix<Float>(rows: rows, columns: 8, values: (0..<(rows * 8)).map { _ in Float(g.nextUniform()) })
        var options = TrainingOptions()
        options.validationSplit = validationSplit
        options.seed = seed
        return (try Trainer(architecture: splitArchitecture, data: data, options: options), data)
    }
}

// One-class training, calibration and evaluation from the command line: train --labels
// --classes, calibrate (the checkpoint untouched), score (AUROC, AUPRC, rates) and inspect.
import AECheckpoint
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("anomaly detection on the command line", .serialized)
struct AnomalyCommandTests {
    /// A temporary folder with 96 samples of 6 features (class 0 near a 2-dimensional subspace,
    /// class 1, every fourth sample, scattered), their labels and a 6-feature architecture.
    struct Workspace {
        let directory: URL, data: URL, labels: URL, architecture: URL

        init() throws {
            directory = try TestEnvironment.temporaryDirectory("aeserve-anomaly")
            data = directory.appendingPathComponent("data.csv")
            labels = directory.appendingPathComponent("labels.csv")
            architecture = directory.appendingPathComponent("arch.json")
            var rows: [String] = [], classes: [String] = ["label"]
            var state: UInt64 = 7
            func random() -> Double {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Double(state >> 11) / Double(1 << 53)
            }
            for i in 0..<96 {
                let anomalous = i % 4 == 3
                let a = random(), b = random()
                let values = (0..<6).map { j in anomalous ? random() : 0.1 + 0.4 * a * Double(j % 3) / 2 + 0.4 * b * Double(j % 2) }
                rows.append(values.map { String(format: "%.4f", $0) }.joined(separator: ","))
                classes.append(anomalous ? "1" : "0")
            }
            try (rows.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
            try (classes.joined(separator: "\n") + "\n").write(to: labels, atomically: true, encoding: .utf8)
            try CommandLineTests.architecture.write(to: architecture, atomically: true, encoding: .utf8)
        }

        func remove() {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func calibration(_ path: String) throws -> CalibrationSet {
        try #require(try CalibrationFile.load(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("calibration.json")))
    }

    @Test("train --labels --classes keeps one class and calibrates on its validation split, the same numbers for the same seed")
    func oneClassTraining() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let (directory, data, labels, archURL) = (workspace.directory, workspace.data, workspace.labels, workspace.architecture)
        let out = directory.appendingPathComponent("models/normal").path
        let train = ["train", "--architecture", archURL.path, "--dataset", data.path, "--labels", labels.path, "--classes", "0",
                     "--epochs", "3", "--batch-size", "8", "--seed", "5", "--validation-split", "0.25", "--out", out]
        let first = try aeserve(train)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("on 72 samples"), "\(first.stderr)")
        #expect(first.stderr.contains("calibration mse: 18 validation_split vectors"), "\(first.stderr)")
        let calibration = try #require(try Self.calibration(out + "/1")[.mse])
        #expect(calibration.count == 18)
        #expect(calibration.source == .validationSplit(dataset: "data.csv", fraction: 0.25, seed: 5, classes: [0]))
        let second = try aeserve(train)
        #expect(second.status == 0)
        let again = try #require(try Self.calibration(out + "/2")[.mse])
        #expect(again.quantiles == calibration.quantiles)
        #expect(again.histogram == calibration.histogram && again.max == calibration.max)

        let inspect = try aeserve(["inspect", out + "/1"])
        for fragment in ["calibration", "mse: 18 vectors (validation_split of data.csv, fraction 0.25, seed 5, classes 0)", "q0.99 "] {
            #expect(inspect.stdout.contains(fragment), "inspect lacks \(fragment):\n\(inspect.stdout)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(try aeserve(["inspect", out + "/1", "--json"]).stdout.utf8)) as? [String: Any]
        #expect(((json?["calibration"] as? [String: Any])?["scores"] as? [String: Any])?["mse"] != nil)
    }

    @Test("calibrate rewrites calibration.json only: the checkpoint's bytes stay; --validation-split finds the training split again")
    func calibrate() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let (directory, data, labels, archURL) = (workspace.directory, workspace.data, workspace.labels, workspace.architecture)
        let out = directory.appendingPathComponent("models/all").path
        let trained = try aeserve(["train", "--preset", "seed", "--dataset", data.path, "--epochs", "1", "--out", out])
        #expect(trained.status != 0, "the seed preset takes 784 values; a 6-value dataset is refused")
        #expect(try aeserve(["train", "--architecture", archURL.path, "--dataset", data.path, "--epochs", "2", "--seed", "3",
                             "--validation-split", "0.2", "--out", out]).status == 0)
        let checkpoint = URL(fileURLWithPath: out + "/1/model.safetensors")
        let before = try Data(contentsOf: checkpoint)
        let fromTraining = try #require(try Self.calibration(out + "/1")[.mse])
        let hybridFromTraining = try #require(try Self.calibration(out + "/1")[.hybrid])

        let split = try aeserve(["calibrate", out, "--dataset", data.path, "--validation-split", "0.2", "--seed", "3"])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.hasSuffix("all/1/calibration.json\n"))
        let recomputed = try #require(try Self.calibration(out + "/1")[.mse])
        #expect(recomputed.quantiles == fromTraining.quantiles && recomputed.count == fromTraining.count)
        #expect(recomputed.source == fromTraining.source)
        // The hybrid density is fitted to the training rows again, its quantiles on the held-out ones.
        let hybridAgain = try #require(try Self.calibration(out + "/1")[.hybrid])
        #expect(hybridAgain.latent == hybridFromTraining.latent && hybridAgain.quantiles == hybridFromTraining.quantiles)

        let normal = try aeserve(["calibrate", out + "/1", "--dataset", data.path, "--labels", labels.path,
                                  "--label-column", "label", "--classes", "0", "--limit", "40"])
        #expect(normal.status == 0, "\(normal.stderr)")
        let onNormal = try #require(try Self.calibration(out + "/1")[.mse])
        #expect(onNormal.count == 40 && onNormal.source.kind == "dataset" && onNormal.source.classes == [0])
        #expect(try Data(contentsOf: checkpoint) == before)

        let refused = try aeserve(["calibrate", out, "--dataset", data.path, "--scores", "elbo"])
        #expect(refused.status == 1 && refused.stderr.contains("variational"), "\(refused.stderr)")
        let badLabels = try aeserve(["calibrate", out, "--dataset", data.path, "--labels", labels.path, "--label-column", "label",
                                     "--classes", "4"])
        #expect(badLabels.status == 1 && badLabels.stderr.contains("labels.csv") && badLabels.stderr.contains("classes[0] is 4"),
                "\(badLabels.stderr)")
    }

    @Test("score with labels prints AUROC, AUPRC and the rates at the calibrated threshold; JSON for scripts")
    func score() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let (directory, data, labels, archURL) = (workspace.directory, workspace.data, workspace.labels, workspace.architecture)
        let out = directory.appendingPathComponent("models/normal").path
        #expect(try aeserve(["train", "--architecture", archURL.path, "--dataset", data.path, "--labels", labels.path,
                             "--label-column", "0", "--classes", "0", "--epochs", "20", "--batch-size", "8", "--seed", "2",
                             "--out", out]).status == 0)
        let text = try aeserve(["score", "--model", out, "--dataset", data.path, "--labels", labels.path, "--label-column", "label",
                                "--normal-classes", "0"])
        #expect(text.status == 0, "\(text.stderr)")
        for fragment in ["AUROC", "AUPRC", "FPR", "TPR", "normal     classes 0: 72 samples; 24 anomalies", "calibration q0.99"] {
            #expect(text.stdout.contains(fragment), "score lacks \(fragment):\n\(text.stdout)")
        }
        let scores = directory.appendingPathComponent("scores.csv")
        let json = try aeserve(["score", "--model", out, "--dataset", data.path, "--labels", labels.path, "--label-column", "label",
                                "--normal-classes", "0", "--threshold", "0.01", "--json", "--output", scores.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let evaluation = try #require(object["evaluation"] as? [String: Any])
        let auroc = try #require(evaluation["auroc"] as? Double)
        // The scattered class is far from what the model learned.
        #expect(auroc > 0.8, "\(json.stdout)")
        #expect((object["threshold"] as? [String: Any])?["value"] as? Double == 0.01)
        let written = try String(contentsOf: scores, encoding: .utf8).split(separator: "\n")
        #expect(written.count == 96)
        let flagged = written.filter { Double($0)! > 0.01 }.count
        #expect(object["flagged"] as? Int == flagged)

        let uncalibrated = directory.appendingPathComponent("plain.safetensors")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: out + "/1/model.safetensors"), to: uncalibrated)
        let refused = try aeserve(["score", "--model", uncalibrated.path, "--dataset", data.path])
        #expect(refused.status == 1 && refused.stderr.contains("aeserve calibrate") && refused.stderr.contains("--threshold"),
                "\(refused.stderr)")
        #expect(try aeserve(["score", "--model", uncalibrated.path, "--dataset", data.path, "--threshold", "0.1"]).status == 0)
        let hybridUncalibrated = try aeserve(["score", "--model", uncalibrated.path, "--dataset", data.path, "--score", "hybrid",
                                              "--threshold", "0.1"])
        #expect(hybridUncalibrated.status == 1 && hybridUncalibrated.stderr.contains("hybrid")
                    && hybridUncalibrated.stderr.contains("aeserve calibrate"), "\(hybridUncalibrated.stderr)")
        let hybrid = try aeserve(["score", "--model", out, "--dataset", data.path, "--labels", labels.path, "--label-column", "label",
                                  "--normal-classes", "0", "--score", "hybrid", "--json"])
        let hybridObject = try #require(try JSONSerialization.jsonObject(with: Data(hybrid.stdout.utf8)) as? [String: Any], "\(hybrid.stderr)")
        #expect(hybridObject["score"] as? String == "hybrid")
        let hybridAUROC = try #require((hybridObject["evaluation"] as? [String: Any])?["auroc"] as? Double)
        #expect(hybridAUROC > 0.8, "\(hybrid.stdout)")
        let mismatch = try aeserve(["score", "--model", out, "--dataset", data.path, "--labels", labels.path, "--label-column", "label",
                                    "--normal-classes", "0", "--limit", "10"])
        #expect(mismatch.status == 0, "--limit cuts the labels too: \(mismatch.stderr)")
    }

    @Test("bad anomaly arguments print one line saying what to do and exit 2", arguments: [
        (["train", "--preset", "seed", "--dataset", "x", "--classes", "1"], "--labels and --classes go together"),
        (["train", "--preset", "seed", "--dataset", "x", "--labels", "l", "--classes", "a"], "--classes"),
        (["calibrate", "m", "--dataset", "x", "--validation-split", "1"], "--validation-split must be in (0, 1)"),
        (["calibrate", "m", "--dataset", "x", "--scores", "likelihood"], "unknown score 'likelihood'"),
        (["score", "--model", "m", "--dataset", "x", "--labels", "l"], "--labels and --normal-classes go together"),
        (["score", "--model", "m", "--dataset", "x", "--threshold", "1", "--threshold-quantile", "0.9"], "not both"),
        (["score", "--model", "m", "--dataset", "x", "--samples", "4"], "--score elbo"),
    ])
    func badArguments(arguments: [String], message: String) throws {
        let result = try aeserve(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "expected one line, got: \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}

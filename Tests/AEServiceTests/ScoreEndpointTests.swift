// POST /score and POST /models/{name}/versions/{v}/calibrate over a real socket: scores held
// bit for bit to /reconstruct's errors, thresholds to the stored calibration, and
// recalibration that leaves the checkpoint's bytes alone.
import AECheckpoint
import AEMath
import AEModel
@testable import AEService
import AETestSupport
import Foundation
import HTTPServer
import Testing

/// Writes a seeded model and its calibration on `smallVectors(count: 200, seed: 21)`.
@discardableResult
func writeCalibratedModel(root: URL, name: String, version: Int, seed: UInt64,
                          architecture: Architecture = smallArchitecture) throws -> (Autoencoder<Float>, CalibrationSet) {
    let model = try writeModel(root: root, name: name, version: version, seed: seed, architecture: architecture)
    let data = matrix(smallVectors(count: 200, seed: 21))
    let source = CalibrationSource(kind: "dataset", dataset: "test")
    let set = CalibrationSet(try ScoreKind.available(for: architecture).map { kind in
        try Calibration.compute(model: model, data: data, kind: kind, elbo: ELBOSettings(samples: 4, seed: 3), source: source)
    })
    try CalibrationFile.save(set, to: CalibrationFile.url(besideCheckpoint: ModelStore(root: root).url(name: name, version: version)))
    return (model, set)
}

@Suite("Anomaly scores and calibration (live)")
struct ScoreEndpointTests {
    /// Six vectors, the third and fifth far from the calibration data, so both flags occur.
    static func withOutliers() -> [[Float]] {
        var input = smallVectors(count: 6, seed: 8)
        input[2] = [Float](repeating: 5, count: 8)
        input[4] = [Float](repeating: -3, count: 8)
        return input
    }

    static func calibrated() throws -> LiveService {
        try LiveService(models: { root in
            try writeCalibratedModel(root: root, name: "small", version: 1, seed: 1)
            try writeModel(root: root, name: "plain", version: 1, seed: 2)
            try writeCalibratedModel(root: root, name: "vae", version: 1, seed: 5, architecture: smallVariational)
        })
    }

    @Test("/score's scores equal /reconstruct's errors bit for bit; flags are scores above the calibrated 0.99 quantile")
    func scoresAreReconstructionErrors() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let input = Self.withOutliers()
        let body = #"{"vectors": \#(jsonRows(input))}"#
        let reconstructed = try live.post("/reconstruct", body).json()
        let response = try live.post("/score", body)
        #expect(response.status == 200, "\(response.text)")
        let json = try response.json()
        #expect(json["scores"]?.numberTexts == reconstructed["errors"]?.numberTexts)
        let set = try #require(try CalibrationFile.load(contentsOf: live.modelsRoot.appendingPathComponent("small/1/calibration.json")))
        let q99 = try #require(set[.mse]?.quantiles.first { $0.quantile == 0.99 }?.value)
        let threshold = try #require(json["threshold"])
        #expect(threshold["value"]?.double == q99)
        #expect(threshold["quantile"]?.double == 0.99 && threshold["source"]?.string == "calibration")
        #expect(threshold["interpolated"]?.bool == false)
        let scores = try #require(json["scores"]?.numberTexts).map { Double($0)! }
        let flags = try #require(json["is_anomaly"]?.array).map { $0.bool }
        #expect(flags == scores.map { $0 > q99 })
        #expect(flags[2] == true && flags[4] == true)
        #expect(json["score_kind"]?.string == "mse")
        #expect(json["model"]?["name"]?.string == "small" && json["model"]?["version"]?.int == 1)

        let single = try live.post("/score", #"{"vector": \#(jsonRows([input[2]]).dropFirst().dropLast())}"#).json()
        let alone = try live.post("/reconstruct", #"{"vector": \#(jsonRows([input[2]]).dropFirst().dropLast())}"#).json()
        #expect(single["score"]?.numberText == alone["error"]?.numberText)
        #expect(single["is_anomaly"]?.bool == true)
    }

    @Test("a threshold quantile that is stored is used as stored, another is interpolated, a value is the request's")
    func thresholds() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let set = try #require(try CalibrationFile.load(contentsOf: live.modelsRoot.appendingPathComponent("small/1/calibration.json")))
        let calibration = try #require(set[.mse])
        let vectors = jsonRows(smallVectors(count: 3, seed: 2))
        let stored = try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"quantile": 0.95}}"#).json()["threshold"]
        #expect(stored?["value"]?.double == calibration.quantiles[2].value && stored?["interpolated"]?.bool == false)
        let between = try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"quantile": 0.97}}"#).json()["threshold"]
        #expect(between?["value"]?.double == (try calibration.threshold(atQuantile: 0.97)).value)
        #expect(between?["interpolated"]?.bool == true && between?["source"]?.string == "calibration")
        let given = try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"value": 0}}"#).json()
        #expect(given["threshold"]?["source"]?.string == "request" && given["threshold"]?["quantile"] == nil)
        #expect(given["is_anomaly"]?.array?.allSatisfy { $0.bool == true } == true)

        expectError(try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"quantile": 0.2}}"#), 422,
                    mentions: ["quantile", "0.5"])
        expectError(try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"quantile": 0.9, "value": 1}}"#), 422,
                    mentions: ["exactly one"])
        expectError(try live.post("/score", #"{"vectors": \#(vectors), "threshold": {"percent": 9}}"#), 422, "unknown_field",
                    mentions: ["threshold.percent"])
    }

    @Test("an uncalibrated model answers 422 naming how to calibrate it, unless the request gives a threshold value")
    func uncalibrated() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let vectors = jsonRows(smallVectors(count: 2))
        expectError(try live.post("/score", #"{"model": "plain", "vectors": \#(vectors)}"#), 422, "not_calibrated",
                    mentions: ["'plain' v1", "POST /models/plain/versions/1/calibrate", "aeserve calibrate", "threshold"])
        let given = try live.post("/score", #"{"model": "plain", "vectors": \#(vectors), "threshold": {"value": 0.01}}"#)
        #expect(given.status == 200, "\(given.text)")
    }

    @Test("a damaged calibration.json leaves the version serving, uncalibrated; /score names the file and the fix")
    func damagedCalibration() throws {
        let live = try LiveService(models: { root in
            try writeCalibratedModel(root: root, name: "small", version: 1, seed: 1)
            try Data(#"{"format": "aeserve-calibration/1", "scores": {}}"#.utf8)
                .write(to: root.appendingPathComponent("small/1/calibration.json"))
        })
        defer { live.stop() }
        let vectors = jsonRows(smallVectors(count: 2))
        let reconstructed = try live.post("/reconstruct", #"{"model": "small", "vectors": \#(vectors)}"#)
        #expect(reconstructed.status == 200, "\(reconstructed.text)")
        expectError(try live.post("/score", #"{"model": "small", "vectors": \#(vectors)}"#), 422, "not_calibrated",
                    mentions: ["calibration.json", "scores is empty", "POST /models/small/versions/1/calibrate"])
        // Recalibrating mends it.
        let mended = try live.post("/models/small/versions/1/calibrate", #"{"dataset": {"vectors": \#(jsonRows(smallVectors(count: 20)))}}"#)
        #expect(mended.status == 200, "\(mended.text)")
        #expect(try live.post("/score", #"{"model": "small", "vectors": \#(vectors)}"#).status == 200)
    }

    @Test("feature_errors are each vector's squared errors and top_features its k worst, matching the engine")
    func featureErrors() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let model = try InferenceEndpointTests.engine(live)
        let input = smallVectors(count: 3, seed: 12)
        let reconstruction = model.reconstruct(matrix(input)).reconstruction
        let squared = FeatureErrors.squared(reconstruction: reconstruction, input: matrix(input))
        let json = try live.post("/score", #"{"vectors": \#(jsonRows(input)), "feature_errors": true, "top_features": 3}"#).json()
        let rows = try #require(json["feature_errors"]?.numberTextRows)
        #expect(rows.count == 3)
        for (i, row) in rows.enumerated() { expectFloatTexts(row, equal: Array(squared[(i * 8)..<((i + 1) * 8)]), "feature_errors[\(i)]") }
        let top = try #require(json["top_features"]?.array)
        for (i, features) in top.enumerated() {
            let expected = FeatureErrors.top(3, of: squared[(i * 8)..<((i + 1) * 8)])
            #expect(features.array?.compactMap { $0["index"]?.int } == expected.map(\.index), "top_features[\(i)]")
            expectFloatTexts(features.array?.compactMap { $0["error"]?.numberText } ?? [], equal: expected.map(\.error), "top_features[\(i)]")
        }
        let single = try live.post("/score", #"{"vector": \#(jsonRows([input[0]]).dropFirst().dropLast()), "top_features": 2}"#).json()
        #expect(single["top_features"]?.array?.count == 2 && single["feature_errors"] == nil)
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "top_features": 9}"#), 422, mentions: ["top_features", "8"])
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "top_features": 0}"#), 422, mentions: ["top_features"])
    }

    @Test("variational models score the negative ELBO: the engine's value, the same for one seed, other for another")
    func elbo() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let model = try InferenceEndpointTests.engine(live, "vae")
        let input = smallVectors(count: 4, seed: 30)
        let body = #"{"model": "vae", "vectors": \#(jsonRows(input)), "score": "elbo", "samples": 8, "seed": 11}"#
        let first = try live.post("/score", body)
        #expect(first.status == 200, "\(first.text)")
        let json = try first.json()
        var generator = RandomGenerator(seed: 11)
        // The calibration (written by the test support) records β = 1 and mse.
        let expected = model.negativeELBO(matrix(input), settings: ELBOSettings(samples: 8, seed: 11), generator: &generator)
        expectFloatTexts(try #require(json["scores"]?.numberTexts), equal: expected, "elbo scores")
        #expect(json["score_kind"]?.string == "elbo")
        #expect(json["elbo"]?["samples"]?.int == 8 && json["elbo"]?["seed"]?.int == 11)
        #expect(try live.post("/score", body).body == first.body)
        let other = try live.post("/score", body.replacingOccurrences(of: #""seed": 11"#, with: #""seed": 12"#)).json()
        #expect(other["scores"]?.numberTexts != json["scores"]?.numberTexts)
        // Its own calibration judges it.
        let set = try #require(try CalibrationFile.load(contentsOf: live.modelsRoot.appendingPathComponent("vae/1/calibration.json")))
        #expect(json["threshold"]?["value"]?.double == set[.elbo]?.quantiles[3].value)

        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "score": "elbo"}"#), 422, "not_variational",
                    mentions: ["'small'", "mse"])
        expectError(try live.post("/score", #"{"model": "vae", "vectors": \#(jsonRows(input)), "score": "elbo", "samples": 0}"#), 422,
                    mentions: ["samples", "256"])
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "samples": 4}"#), 422, mentions: ["elbo"])
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "score": "likelihood"}"#), 422, mentions: ["mse, elbo"])
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "scores": "mse"}"#), 422, "unknown_field",
                    mentions: ["'scores'", "feature_errors"])
        expectError(try live.post("/score", #"{"vectors": [[1, 2]]}"#), 422, "dimension_mismatch", mentions: ["expects 8"])
    }

    @Test("the hybrid score is the engine's, measured against the version's calibration; without one it is a 422 even with a threshold value")
    func hybrid() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let input = Self.withOutliers()
        let set = try #require(try CalibrationFile.load(contentsOf: live.modelsRoot.appendingPathComponent("small/1/calibration.json")))
        let calibration = try #require(set[.hybrid])
        let density = try #require(calibration.latent)
        let model = try InferenceEndpointTests.engine(live)
        let expected = model.scores(matrix(input), kind: .hybrid, density: density)
        let response = try live.post("/score", #"{"vectors": \#(jsonRows(input)), "score": "hybrid"}"#)
        #expect(response.status == 200, "\(response.text)")
        let json = try response.json()
        expectFloatTexts(try #require(json["scores"]?.numberTexts), equal: expected, "hybrid scores")
        #expect(json["score_kind"]?.string == "hybrid")
        let q99 = try #require(calibration.quantiles.first { $0.quantile == 0.99 }?.value)
        #expect(json["threshold"]?["value"]?.double == q99)
        let flags = try #require(json["is_anomaly"]?.array).map { $0.bool }
        #expect(flags == expected.map { Double($0) > q99 })
        #expect(flags[2] == true && flags[4] == true)
        // A variational model offers it too (its codes are the means).
        let vae = try live.post("/score", #"{"model": "vae", "vectors": \#(jsonRows(input)), "score": "hybrid"}"#)
        #expect(vae.status == 200, "\(vae.text)")

        expectError(try live.post("/score", #"{"model": "plain", "vectors": \#(jsonRows(input)), "score": "hybrid", "threshold": {"value": 1}}"#),
                    422, "not_calibrated", mentions: ["'plain' v1", "hybrid", "POST /models/plain/versions/1/calibrate"])
        expectError(try live.post("/score", #"{"vectors": \#(jsonRows(input)), "score": "hybrid", "seed": 3}"#), 422, mentions: ["elbo"])
        // Calibrating the plain model makes it answer.
        let data = DatasetWriterBytes.csv(smallVectors(count: 40, seed: 2))
        try Data(data).write(to: live.dataRoot.appendingPathComponent("normal.csv"))
        let calibrated = try live.post("/models/plain/versions/1/calibrate", #"{"dataset": {"path": "normal.csv"}, "scores": ["hybrid"]}"#)
        #expect(calibrated.status == 200, "\(calibrated.text)")
        #expect(try calibrated.json()["calibration"]?["scores"]?["hybrid"]?["latent"]?["mean"]?.array?.count == 3)
        #expect(try live.post("/score", #"{"model": "plain", "vectors": \#(jsonRows(input)), "score": "hybrid"}"#).status == 200)
        // Its histogram has buckets below zero, where most normal vectors' scores fall.
        let metrics = try live.get("/metrics").text
        #expect(metrics.contains(#"aeserve_anomaly_score_bucket{model="small",version="1",score="hybrid",le="-"#), "\(metrics)")
    }

    @Test("/metrics counts scores in a histogram and anomalies in a counter, by model, version and score kind")
    func metrics() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        var input = smallVectors(count: 5, seed: 8)
        input[1] = [Float](repeating: 5, count: 8)
        _ = try live.post("/score", #"{"vectors": \#(jsonRows(input))}"#)
        _ = try live.post("/score", #"{"vector": \#(jsonRows([input[1]]).dropFirst().dropLast())}"#)
        let text = try live.get("/metrics").text
        let labels = #"model="small",version="1",score="mse""#
        #expect(text.contains("aeserve_anomaly_score_count{\(labels)} 6"), "\(text)")
        #expect(text.contains("aeserve_anomalies_total{\(labels)} 2"), "\(text)")
        #expect(text.contains(#"aeserve_anomaly_score_bucket{\#(labels),le="+Inf"} 6"#))
    }

    @Test("a training job calibrates its version on the validation split: served with it at once, the same numbers for the same seed")
    func jobsCalibrate() throws {
        let live = try LiveService()
        defer { live.stop() }
        let first = try JobTests.submit(live, JobTests.body(model: "first", epochs: 2))
        let second = try JobTests.submit(live, JobTests.body(model: "second", epochs: 2))
        for id in [first, second] { try JobTests.waitForJob(live, id) { $0["state"]?.string == "succeeded" } }
        let a = try live.get("/models/first").json()["calibration"]?["scores"]?["mse"]
        let b = try live.get("/models/second").json()["calibration"]?["scores"]?["mse"]
        #expect(a?["count"]?.int == 16 && a?["source"]?["kind"]?.string == "validation_split")
        #expect(a?["source"]?["fraction"]?.double == 0.25 && a?["source"]?["seed"]?.int == 7)
        #expect(a?["quantiles"] == b?["quantiles"] && a?["histogram"] == b?["histogram"])
        let stored = try CalibrationFile.load(contentsOf: live.modelsRoot.appendingPathComponent("first/1/calibration.json"))
        #expect(stored?[.mse]?.count == 16)
        let scored = try live.post("/score", #"{"model": "first", "vectors": \#(jsonRows(smallVectors(count: 2)))}"#)
        #expect(scored.status == 200, "\(scored.text)")
    }

    @Test("a job's dataset with labels and classes trains on those classes only; bad labels are refused at submit, naming file and index")
    func oneClassJob() throws {
        let live = try LiveService()
        defer { live.stop() }
        // 64 samples, every other one of class 4: the job keeps 32, holds out 8 for calibration.
        try Data(DatasetWriterBytes.csv(smallVectors(count: 64))).write(to: live.dataRoot.appendingPathComponent("set.csv"))
        let labels = (0..<64).map { $0 % 2 == 0 ? "4" : "9" }
        try Data((labels.joined(separator: "\n") + "\n").utf8).write(to: live.dataRoot.appendingPathComponent("classes.csv"))
        try Data("4\n9\n".utf8).write(to: live.dataRoot.appendingPathComponent("two.csv"))
        var bad = labels
        bad[5] = "9.5"
        try Data((bad.joined(separator: "\n") + "\n").utf8).write(to: live.dataRoot.appendingPathComponent("fraction.csv"))
        let id = try JobTests.submit(live, JobTests.body(
            model: "one-class", epochs: 2, dataset: #"{"path": "set.csv", "labels": "classes.csv", "classes": [4]}"#))
        let job = try JobTests.waitForJob(live, id) { $0["state"]?.string == "succeeded" }
        #expect(job["request"]?["dataset"]?["classes"]?.array?.compactMap(\.int) == [4], "\(job)")
        let mse = try live.get("/models/one-class").json()["calibration"]?["scores"]?["mse"]
        #expect(mse?["count"]?.int == 8 && mse?["source"]?["classes"]?.array?.compactMap(\.int) == [4])
        let metadata = try ModelCheckpoint.load(contentsOf: live.modelsRoot.appendingPathComponent("one-class/1/model.safetensors")).metadata
        #expect(metadata.extra["classes"] == "4")

        let submit = { (dataset: String) in try live.post("/train-job", JobTests.body(model: "refused", dataset: dataset)) }
        expectError(try submit(#"{"path": "set.csv", "labels": "two.csv", "classes": [4]}"#), 422, "invalid_dataset",
                    mentions: ["two.csv", "2 labels", "64 samples"])
        expectError(try submit(#"{"path": "set.csv", "labels": "classes.csv", "classes": [4, 5]}"#), 422, "invalid_dataset",
                    mentions: ["classes.csv", "classes[1] is 5"])
        expectError(try submit(#"{"path": "set.csv", "labels": "fraction.csv", "classes": [4]}"#), 422, "invalid_dataset",
                    mentions: ["fraction.csv", "row 5", "9.5"])
        expectError(try submit(#"{"path": "set.csv", "classes": [4]}"#), 422, mentions: ["labels", "classes"])
        expectError(try submit(#"{"path": "set.csv", "labels": "nowhere.csv", "classes": [4]}"#), 422, "dataset_not_found",
                    mentions: ["dataset.labels", "nowhere.csv"])
        expectError(try submit(#"{"path": "set.csv", "labels": "/etc/passwd", "classes": [4]}"#), 403, "dataset_path_refused")
        expectError(try submit(#"{"path": "set.csv", "labels": "classes.csv", "classes": []}"#), 422, mentions: ["dataset.classes", "empty"])
        expectError(try submit(#"{"path": "set.csv", "labels": "classes.csv", "classes": [4], "label": 1}"#), 422, "unknown_field")
    }

    @Test("calibrate recomputes a version's calibration on a dataset: the checkpoint's sha256 stays, /models and /score use it at once")
    func calibrate() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let checkpoint = live.modelsRoot.appendingPathComponent("plain/1/model.safetensors")
        let before = try Data(contentsOf: checkpoint)
        let vectors = smallVectors(count: 300, seed: 40)
        let response = try live.post("/models/plain/versions/1/calibrate", #"{"dataset": {"vectors": \#(jsonRows(vectors)), "limit": 250}}"#)
        #expect(response.status == 200, "\(response.text)")
        let json = try response.json()
        #expect(json["sha256"]?.string == SHA256Digest.hex(of: Array(before)))
        #expect(try Data(contentsOf: checkpoint) == before)
        let mse = try #require(json["calibration"]?["scores"]?["mse"])
        #expect(mse["count"]?.int == 250 && mse["source"]?["kind"]?.string == "dataset")
        #expect(mse["source"]?["dataset"]?.string == "inline")
        // The same numbers as the engine computes on those vectors.
        let model = try InferenceEndpointTests.engine(live, "plain")
        let expected = try Calibration.compute(model: model, data: matrix(Array(vectors.prefix(250))), kind: .mse,
                                               source: CalibrationSource(kind: "dataset"))
        #expect(mse["quantiles"]?.array?.compactMap { $0["value"]?.double } == expected.quantiles.map(\.value))
        #expect(mse["histogram"]?["counts"]?.array?.compactMap(\.int) == expected.histogram.counts)
        // Stored beside the checkpoint, shown by /models, used by /score.
        let stored = try #require(try CalibrationFile.load(contentsOf: CalibrationFile.url(besideCheckpoint: checkpoint)))
        #expect(stored[.mse]?.quantiles == expected.quantiles)
        let models = try live.get("/models/plain").json()
        #expect(models["calibration"]?["scores"]?["mse"]?["count"]?.int == 250)
        #expect(models["version_details"]?.array?.first?["calibration"]?["scores"]?["mse"]?["count"]?.int == 250)
        let scored = try live.post("/score", #"{"model": "plain", "vectors": \#(jsonRows(Array(vectors.prefix(2))))}"#)
        #expect(scored.status == 200, "\(scored.text)")
        #expect(try scored.json()["threshold"]?["value"]?.double == expected.quantiles[3].value)
    }

    @Test("a calibration survives a restart, and another registry on the same models folder picks it up at its next poll")
    func calibrationIsShared() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let other = ModelRegistry(source: FolderModelSource(root: live.modelsRoot))
        other.refresh()
        #expect(try other.model(named: "plain").calibration == nil)
        let response = try live.post("/models/plain/versions/1/calibrate", #"{"dataset": {"vectors": \#(jsonRows(smallVectors(count: 20)))}}"#)
        #expect(response.status == 200, "\(response.text)")
        let events = other.refresh()
        #expect(events.contains(.loaded(name: "plain", version: 1)))
        #expect(try other.model(named: "plain").calibration?[.mse]?.count == 20)
        // Nothing changed since: the next poll loads nothing again.
        #expect(other.refresh().isEmpty)
        // A fresh service (a restart) serves it.
        let restarted = ModelRegistry(source: FolderModelSource(root: live.modelsRoot))
        restarted.refresh()
        #expect(try restarted.model(named: "plain").calibration == other.model(named: "plain").calibration)
    }

    @Test("calibrate with labels keeps the classes asked for; label and dataset files are refused by name and index")
    func calibrateWithLabels() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let vectors = smallVectors(count: 6, seed: 3)
        try Data(DatasetWriterBytes.csv(vectors)).write(to: live.dataRoot.appendingPathComponent("six.csv"))
        try Data("1\n2\n1\n3\n1\n2\n".utf8).write(to: live.dataRoot.appendingPathComponent("labels.csv"))
        try Data("1\n2\n1\n".utf8).write(to: live.dataRoot.appendingPathComponent("short.csv"))
        try Data("1\n2.5\n1\n3\n1\n2\n".utf8).write(to: live.dataRoot.appendingPathComponent("half.csv"))
        let kept = try live.post("/models/plain/versions/1/calibrate",
                                 #"{"dataset": {"path": "six.csv", "labels": "labels.csv", "classes": [1]}}"#)
        #expect(kept.status == 200, "\(kept.text)")
        let mse = try kept.json()["calibration"]?["scores"]?["mse"]
        #expect(mse?["count"]?.int == 3 && mse?["source"]?["classes"]?.array?.compactMap(\.int) == [1])
        #expect(mse?["source"]?["dataset"]?.string == "six.csv")

        let calibrate = { (dataset: String) in try live.post("/models/plain/versions/1/calibrate", #"{"dataset": \#(dataset)}"#) }
        expectError(try calibrate(#"{"path": "six.csv", "labels": "short.csv", "classes": [1]}"#), 422, mentions: ["short.csv", "3 labels", "6 samples"])
        expectError(try calibrate(#"{"path": "six.csv", "labels": "labels.csv", "classes": [1, 7]}"#), 422, mentions: ["labels.csv", "classes[1] is 7"])
        expectError(try calibrate(#"{"path": "six.csv", "labels": "half.csv", "classes": [1]}"#), 422, mentions: ["half.csv", "row 1", "2.5"])
        expectError(try calibrate(#"{"path": "six.csv", "classes": [1]}"#), 422, mentions: ["labels", "classes"])
        expectError(try calibrate(#"{"path": "missing.csv"}"#), 422, "dataset_not_found", mentions: ["missing.csv"])
        expectError(try calibrate(#"{"path": "../etc/passwd"}"#), 403, "dataset_path_refused")
        expectError(try calibrate(#"{"vectors": [[1, 2]]}"#), 422, mentions: ["input_dim 8"])
        expectError(try calibrate(#"{"url": "x"}"#), 422, "unknown_field", mentions: ["dataset.url"])
        expectError(try live.post("/models/plain/versions/1/calibrate", #"{"dataset": {"path": "six.csv"}, "scores": ["elbo"]}"#), 422,
                    "not_variational")
        expectError(try live.post("/models/plain/versions/1/calibrate", "{}"), 422, "missing_field")
        expectError(try live.post("/models/nope/versions/1/calibrate", #"{"dataset": {"path": "six.csv"}}"#), 404, "unknown_model")
        expectError(try live.post("/models/plain/versions/4/calibrate", #"{"dataset": {"path": "six.csv"}}"#), 404, "unknown_version")
        expectError(try live.post("/models/plain/versions/x/calibrate", #"{"dataset": {"path": "six.csv"}}"#), 404, "unknown_version")
    }

    @Test("calibrate needs the mutating routes' auth: a key when keys are configured, else loopback")
    func calibrateAuth() throws {
        let keyed = try LiveService(models: { try writeModel(root: $0, name: "small", version: 1, seed: 1) },
                                    configure: { $0.apiKeys = ["secret"] })
        defer { keyed.stop() }
        let body = #"{"dataset": {"vectors": \#(jsonRows(smallVectors(count: 4)))}}"#
        expectError(try keyed.post("/models/small/versions/1/calibrate", body), 401)
        expectError(try keyed.post("/models/small/versions/1/calibrate", body, headers: [("Authorization", "Bearer wrong")]), 403)
        #expect(try keyed.post("/models/small/versions/1/calibrate", body, headers: [("Authorization", "Bearer secret")]).status == 200)

        let remote = try LiveService(peerOverride: { _ in SocketAddress(host: "10.0.0.5", port: 40000) })
        defer { remote.stop() }
        expectError(try remote.post("/models/small/versions/1/calibrate", body), 403, mentions: ["loopback"])
    }

    @Test("the variational model's ELBO calibration is recomputed with the draws, seed and objective the body names")
    func calibrateELBO() throws {
        let live = try Self.calibrated()
        defer { live.stop() }
        let response = try live.post("/models/vae/versions/1/calibrate", #"""
            {"dataset": {"vectors": \#(jsonRows(smallVectors(count: 50)))}, "scores": ["elbo"],
             "elbo": {"samples": 2, "seed": 9, "beta": 0.5, "loss": "bce"}}
            """#)
        #expect(response.status == 200, "\(response.text)")
        let scores = try #require(try response.json()["calibration"]?["scores"])
        #expect(scores["elbo"]?["elbo"]?["samples"]?.int == 2 && scores["elbo"]?["elbo"]?["beta"]?.double == 0.5)
        #expect(scores["elbo"]?["count"]?.int == 50)
        // The mse calibration was not asked for, so it is kept as it was.
        #expect(scores["mse"]?["count"]?.int == 200)
        let scored = try live.post("/score", #"{"model": "vae", "vectors": \#(jsonRows(smallVectors(count: 2))), "score": "elbo"}"#).json()
        #expect(scored["elbo"]?["loss"]?.string == "bce" && scored["elbo"]?["seed"]?.int == 9)
    }
}

/// CSV text of rows, for data-root fixtures.
enum DatasetWriterBytes {
    static func csv(_ rows: [[Float]]) -> [UInt8] {
        Array(rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n").utf8)
    }
}

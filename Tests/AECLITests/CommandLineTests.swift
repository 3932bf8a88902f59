import AECLI
import AETestSupport
import Foundation
import Testing

@Suite("aeserve command line", .serialized)
struct CommandLineTests {
    /// A CSV of 64 samples × 6 features near a 2-dimensional subspace.
    static func writeData(to directory: URL) throws -> URL {
        var lines: [String] = []
        for i in 0..<64 {
            let a = Double(i % 8) / 8, b = Double(i / 8) / 8
            lines.append((0..<6).map { j in String(format: "%.4f", 0.1 + 0.4 * a * Double(j % 3) / 2 + 0.4 * b * Double(j % 2)) }.joined(separator: ","))
        }
        let url = directory.appendingPathComponent("data.csv")
        try ("f0,f1,f2,f3,f4,f5\n" + lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let architecture = """
        {"kind": "autoencoder", "input_dim": 6, "encoder": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "linear"}],
         "decoder": [{"units": 4, "activation": "relu"}, {"units": 6, "activation": "sigmoid"}]}
        """

    @Test("train writes version 1 then 2, inspect shows its facts, reconstruct and encode write files")
    func endToEnd() throws {
        let directory = try TestEnvironment.temporaryDirectory("aeserve-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeData(to: directory)
        let archURL = directory.appendingPathComponent("arch.json")
        try Self.architecture.write(to: archURL, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("models/tiny").path
        let train = ["train", "--architecture", archURL.path, "--dataset", data.path, "--test-set", data.path,
                     "--epochs", "3", "--batch-size", "16", "--seed", "5", "--out", out]
        let first = try aeserve(train)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasSuffix("models/tiny/1/model.safetensors\n"))
        #expect(first.stderr.contains("epoch 3/3"))
        #expect(first.stderr.contains("test-set reconstruction MSE"))
        let second = try aeserve(train)
        #expect(second.stdout.hasSuffix("models/tiny/2/model.safetensors\n"))

        let inspect = try aeserve(["inspect", out])
        #expect(inspect.status == 0)
        for fragment in ["tiny/2/model.safetensors", "kind         autoencoder", "parameters   ", "sha256", "encoder.2        weight [2, 4]  linear",
                         "epochs            3", "seed              5", "test_mse", "training_seconds"] {
            #expect(inspect.stdout.contains(fragment), "inspect output lacks \(fragment):\n\(inspect.stdout)")
        }
        let json = try aeserve(["inspect", out + "/1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["parameters"] as? Int == 6 * 4 + 4 + 4 * 2 + 2 + 2 * 4 + 4 + 4 * 6 + 6)

        let recon = directory.appendingPathComponent("recon.npy")
        let reconstruct = try aeserve(["reconstruct", "--model", out, "--input", data.path, "--limit", "10", "--output", recon.path])
        #expect(reconstruct.status == 0, "\(reconstruct.stderr)")
        #expect(reconstruct.stdout.contains("     9  "))
        #expect(reconstruct.stdout.contains("mean    "))
        #expect(FileManager.default.fileExists(atPath: recon.path))

        let encode = try aeserve(["encode", "--model", out, "--input", data.path, "--limit", "3"])
        #expect(encode.status == 0)
        let rows = encode.stdout.split(separator: "\n")
        #expect(rows.count == 3 && rows.allSatisfy { $0.split(separator: ",").count == 2 })
    }

    @Test("the same seed trains identical models: their encodings of the same data agree exactly")
    func reproducible() throws {
        let directory = try TestEnvironment.temporaryDirectory("aeserve-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeData(to: directory)
        let archURL = directory.appendingPathComponent("arch.json")
        try Self.architecture.write(to: archURL, atomically: true, encoding: .utf8)
        var encodings: [String] = []
        for name in ["a", "b"] {
            let out = directory.appendingPathComponent("models/\(name)").path
            let run = try aeserve(["train", "--architecture", archURL.path, "--dataset", data.path, "--epochs", "2", "--out", out])
            #expect(run.status == 0, "\(run.stderr)")
            encodings.append(try aeserve(["encode", "--model", out, "--input", data.path]).stdout)
        }
        #expect(encodings[0] == encodings[1])
        #expect(encodings[0].split(separator: "\n").count == 64)
    }

    @Test("a dataset of the wrong width is refused with both widths named, exit 1")
    func dimensionMismatch() throws {
        let directory = try TestEnvironment.temporaryDirectory("aeserve-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.writeData(to: directory)
        let run = try aeserve(["train", "--preset", "seed", "--dataset", data.path, "--epochs", "1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("the dataset has 6 values per sample; the model expects input_dim 784"))
    }

    @Test("bad arguments print one line saying what to do and exit 2", arguments: [
        (["train"], "Missing expected argument '--dataset <dataset>'"),
        (["train", "--dataset", "x"], "give --preset, --architecture or --base"),
        (["train", "--preset", "fashion-mnist"], "Missing expected argument '--dataset <dataset>'"),
        (["train", "--preset", "nope", "--dataset", "x"], "unknown preset 'nope'"),
        (["train", "--preset", "seed", "--dataset", "x", "--epochs", "0"], "epochs must be at least 1, got 0"),
        (["train", "--preset", "seed", "--dataset", "x", "--optimizer", "adagrad"], "adagrad"),
        (["encode", "--model", "m"], "Missing expected argument '--input <input>'"),
        (["inspect"], "Missing expected argument '<path>'"),
        (["frobnicate"], "frobnicate"),
    ])
    func badArguments(arguments: [String], message: String) throws {
        let result = try aeserve(arguments)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("--help"))
    }

    @Test("a missing input file fails with exit 1 and names the file")
    func missingFile() throws {
        let result = try aeserve(["inspect", "/nonexistent/model"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/model: no such file or folder"))
    }
}

// `aeserve encode` and `aeserve reconstruct`: offline inference, files in and out.
import AECheckpoint
import AEData
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// Encodes every sample of a file into latent vectors.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode the samples of a file into latent vectors (NPY or CSV out).",
        discussion: "Example: aeserve encode --model models/fashion-mnist --input images.npy --output latents.npy")

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions

    @Option(help: "Output file (.npy or .csv); CSV on standard output when omitted.")
    var output: String?

    @Option(help: "Output format when the file name does not tell: npy or csv.")
    var outputFormat: DatasetWriter.Format?

    func run() throws {
        let (loaded, _) = try model.load()
        let data = try input.load()
        try checkDimension(data, loaded.model)
        var latents: [Float] = []
        var columns = loaded.model.architecture.latentDimension
        for chunk in chunks(data) {
            let encoded = loaded.model.encode(chunk)
            latents += encoded.latent.storage
            columns = encoded.latent.columns
        }
        try emit(latents, rows: data.count, columns: columns, to: output, format: outputFormat)
    }
}

/// Reconstructs every sample of a file and reports each one's mean squared error.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Reconstruct the samples of a file, printing each one's mean squared error.",
        discussion: """
            Example: aeserve reconstruct --model models/fashion-mnist \\
                       --input /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --limit 10
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions

    @Option(help: "Write the reconstructions to this file (.npy or .csv).")
    var output: String?

    @Option(help: "Output format when the file name does not tell: npy or csv.")
    var outputFormat: DatasetWriter.Format?

    func run() throws {
        let (loaded, url) = try model.load()
        let data = try input.load()
        try checkDimension(data, loaded.model)
        var reconstructions: [Float] = []
        var errors: [Float] = []
        for chunk in chunks(data) {
            let result = loaded.model.reconstruct(chunk)
            if output != nil { reconstructions += result.reconstruction.storage }
            errors += result.errors
        }
        print("model \(url.path)")
        print("sample  mse")
        for (i, error) in errors.enumerated() { print(String(format: "%6d  %.6f", i, error)) }
        let mean = errors.reduce(0) { $0 + Double($1) } / Double(max(errors.count, 1))
        print(String(format: "mean    %.6f  (%d samples)", mean, errors.count))
        if let output {
            try emit(reconstructions, rows: data.count, columns: data.dimension, to: output, format: outputFormat)
        }
    }
}

private func checkDimension(_ data: Dataset, _ model: Autoencoder<Float>) throws {
    let expected = model.architecture.inputDimension
    guard data.dimension == expected else {
        throw CLIError("\(data.source) has \(data.dimension) values per sample; the model expects \(expected)")
    }
}

/// The samples as matrices of at most 1024 rows, bounding the memory of a pass.
private func chunks(_ data: Dataset) -> [Matrix<Float>] {
    stride(from: 0, to: data.count, by: 1024).map { start in
        let end = min(start + 1024, data.count)
        return Matrix(rows: end - start, columns: data.dimension,
                      values: Array(data.values[(start * data.dimension)..<(end * data.dimension)]))
    }
}

private func emit(_ values: [Float], rows: Int, columns: Int, to path: String?, format: DatasetWriter.Format?) throws {
    guard let path else {
        FileHandle.standardOutput.write(Data(DatasetWriter.csv(values, rows: rows, columns: columns)))
        return
    }
    try DatasetWriter.write(values, rows: rows, columns: columns, to: URL(fileURLWithPath: path), format: format)
    printError("wrote \(rows)×\(columns) to \(path)")
}

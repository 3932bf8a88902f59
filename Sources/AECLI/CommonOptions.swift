// Option groups shared by several subcommands, and the loading they imply.
import AECheckpoint
import AEData
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// Where an architecture comes from: a JSON file or a named preset.
struct ArchitectureOptions: ParsableArguments {
    @Option(name: .customLong("architecture"), help: "Architecture JSON file (kind, input_dim, encoder, decoder).")
    var architectureFile: String?

    @Option(help: "Named architecture: \(Architecture.presetNames.joined(separator: ", ")).")
    var preset: String?

    func validate() throws {
        if architectureFile != nil && preset != nil {
            throw ValidationError("give either --architecture or --preset, not both")
        }
        if let preset, Architecture.preset(named: preset) == nil {
            throw ValidationError("unknown preset '\(preset)'; use one of \(Architecture.presetNames.joined(separator: ", "))")
        }
    }

    /// The architecture asked for, or nil when neither option was given.
    func load() throws -> Architecture? {
        if let preset { return Architecture.preset(named: preset) }
        guard let architectureFile else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: architectureFile, encoding: .utf8)
        } catch {
            throw CLIError("cannot read architecture file \(architectureFile): \(error.localizedDescription)")
        }
        do {
            return try Architecture.parse(text)
        } catch {
            throw CLIError("\(architectureFile): \(error)")
        }
    }
}

/// How to read an input dataset.
struct InputOptions: ParsableArguments {
    @Option(help: "Input file: IDX (MNIST family), NPY, CSV or JSON, optionally gzip-compressed.")
    var input: String

    @Option(help: "Input format when the file name does not tell: idx, npy, csv or json.")
    var format: DatasetFormat?

    @Option(help: "Use only the first N samples.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func load() throws -> Dataset {
        try DatasetLoader.load(contentsOf: URL(fileURLWithPath: input), format: format, limit: limit)
    }
}

/// Which model to use: a model folder (its latest version), a version folder or a file.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model folder (uses its highest version), version folder, or .safetensors file.")
    var model: String

    @OptionGroup(title: "Foreign checkpoints (no architecture in their metadata)")
    var architecture: ArchitectureOptions

    func load() throws -> (LoadedModel, URL) {
        let url = try ModelLocator.resolve(model)
        return (try ModelCheckpoint.load(contentsOf: url, architecture: try architecture.load()), url)
    }
}

/// An error message for the user, printed as `error: <message>` with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Labels for the samples of a dataset, to keep some classes (one-class training) or to
/// tell normal samples from anomalies (evaluation).
struct LabelOptions: ParsableArguments {
    @Option(help: "Class labels, one per sample: IDX labels, NPY integers or a CSV column, optionally gzip-compressed.")
    var labels: String?

    @Option(help: "The CSV column of the labels when the file has several: a 0-based number or a header name.")
    var labelColumn: String?

    func validate() throws {
        if labelColumn != nil && labels == nil { throw ValidationError("--label-column needs --labels") }
    }

    /// The labels, or nil when none were given.
    func load() throws -> Labels? {
        guard let labels else { return nil }
        let column = labelColumn.map { text in Int(text).map(LabelColumn.index) ?? .name(text) }
        return try LabelReader.load(contentsOf: URL(fileURLWithPath: labels), column: column)
    }

    /// The dataset at `path`, cut to the samples whose label is in `classes` (when given),
    /// then to its first `limit` samples.
    func load(dataset path: String, format: DatasetFormat?, limit: Int?, classes: [Int]?) throws -> Dataset {
        let data = try DatasetLoader.load(contentsOf: URL(fileURLWithPath: path), format: format,
                                          limit: classes == nil ? limit : nil)
        guard let classes else { return data }
        guard let labels = try load() else { throw CLIError("classes need --labels (one label per sample)") }
        let selected = try data.selecting(classes: classes, labels: labels)
        return limit.map { selected.prefix($0) } ?? selected
    }
}

/// A comma-separated list of class labels, such as `3` or `0,2,6`.
struct ClassList: ExpressibleByArgument, Sendable {
    var classes: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && abs($0!) <= Labels.maximumMagnitude }) else { return nil }
        classes = parts.map { $0! }
    }
}

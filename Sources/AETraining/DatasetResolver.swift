// From a `DatasetSpec` to samples, for jobs, calibration and the command line alike: one
// source of data, files confined to the data roots, inline vectors checked before any work.
import AEData
import AEJSON
import AEMath
import Foundation

/// Why a dataset specification cannot be used; `field` names where in the body it went wrong.
public struct DatasetSpecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Coarse categories, for the endpoint layer to choose a status.
    public enum Kind: String, Sendable, Equatable {
        /// No source, or more than one.
        case missing, conflicting
        /// A path that names no file under the data roots.
        case notFound
        /// A path that leaves the data roots (absolute, `..`, symlinks).
        case refused
        /// A value out of its range or data that does not fit.
        case invalid
    }

    /// The category.
    public var kind: Kind
    /// The dotted field, e.g. `dataset.vectors[3]`.
    public var field: String
    /// What is wrong and what is expected.
    public var message: String

    /// An error of `kind` about `field`.
    public init(_ kind: Kind, field: String, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// An uploaded dataset's file, where a resolver finds it.
public struct UploadedFile: Codable, Sendable, Equatable {
    /// The file's absolute path.
    public var path: String
    /// Its format, as the upload found it.
    public var format: DatasetFormat

    /// The file at `path`, in `format`.
    public init(path: String, format: DatasetFormat) {
        self.path = path
        self.format = format
    }
}

/// Resolves dataset specifications against the data roots and the uploaded datasets.
public struct DatasetResolver: Sendable {
    /// The folders paths are confined to.
    public var roots: DataRoots
    /// The field name used in messages (`dataset` in a job body).
    public var field: String
    /// The file of an uploaded dataset by id, or nil when there is none (the service asks its
    /// dataset store; a worker, the files its assignment names).
    public var uploads: @Sendable (String) -> UploadedFile?

    /// A resolver over `roots` and `uploads`; errors name fields under `field`.
    public init(roots: DataRoots = DataRoots(), field: String = "dataset",
                uploads: @escaping @Sendable (String) -> UploadedFile? = { _ in nil }) {
        self.roots = roots
        self.field = field
        self.uploads = uploads
    }

    /// Checks `spec` without reading file contents: exactly one source, a path inside the roots
    /// or an uploaded dataset's id, inline vectors non-empty, rectangular and `width` wide (when
    /// given), a positive limit, labels inside the roots or uploaded, with a non-empty list of classes in range.
    public func check(_ spec: DatasetSpec, width: Int? = nil) throws(DatasetSpecError) {
        if let limit = spec.limit, limit < 1 {
            throw DatasetSpecError(.invalid, field: "\(field).limit", "must be at least 1, got \(limit)")
        }
        try checkLabels(spec)
        let sources = [spec.path != nil, spec.id != nil, spec.vectors != nil].filter { $0 }.count
        guard sources > 0 else {
            throw DatasetSpecError(.missing, field: field,
                                   "give path (a file under a data root), id (an uploaded dataset) or vectors")
        }
        guard sources == 1 else {
            throw DatasetSpecError(.conflicting, field: field, "give one of path, id and vectors, not several")
        }
        if let path = spec.path { _ = try resolve(path) }
        if let id = spec.id { _ = try upload(id) }
        if let vectors = spec.vectors { try checkVectors(vectors, width: width) }
    }

    /// The file of uploaded dataset `id`, or the error that says there is none; `field` names
    /// the id's field (`dataset.id` by default).
    public func upload(_ id: String, field: String? = nil) throws(DatasetSpecError) -> UploadedFile {
        guard let file = uploads(id) else {
            throw DatasetSpecError(.notFound, field: field ?? "\(self.field).id",
                                   "no uploaded dataset '\(clipped(id))'; GET /datasets lists them")
        }
        return file
    }

    /// The file a path names, or the error that says why not; `field` names the path's field
    /// (`dataset.path` by default).
    public func resolve(_ path: String, field: String? = nil) throws(DatasetSpecError) -> URL {
        let field = field ?? "\(self.field).path"
        do {
            return try roots.resolve(path)
        } catch let error as DataError {
            throw DatasetSpecError(error.kind == .notFound ? .notFound : .refused, field: field, error.description)
        } catch {
            throw DatasetSpecError(.refused, field: field, "\(error)")
        }
    }

    /// Loads the samples `spec` names: those of its `classes` when it has labels, then the
    /// first `limit` of them.
    public func load(_ spec: DatasetSpec) throws -> Dataset {
        try check(spec)
        var dataset: Dataset
        if let vectors = spec.vectors {
            dataset = try Dataset(vectors: vectors, source: "\(field).vectors")
        } else {
            // `check` has made sure a path or an id is there; the limit applies after the classes.
            let (url, format) = try file(spec)
            dataset = try DatasetLoader.load(contentsOf: url, format: format, limit: spec.classes == nil ? spec.limit : nil)
        }
        if let labels = try loadLabels(spec), let classes = spec.classes {
            dataset = try dataset.selecting(classes: classes, labels: labels)
        }
        return spec.limit.map { dataset.prefix($0) } ?? dataset
    }

    /// Reads the labels `spec` names, if any, and checks them against its samples without
    /// loading them: one label per sample, integers, every class present. A job's labels are
    /// checked this way when it is submitted, so a bad file is refused at once, not by a worker.
    public func checkLabels(contentsOf spec: DatasetSpec) throws {
        try check(spec)
        guard let labels = try loadLabels(spec), let classes = spec.classes else { return }
        let count: Int
        let name: String
        if let vectors = spec.vectors {
            (count, name) = (vectors.count, "\(field).vectors")
        } else {
            let (url, format) = try file(spec)
            (count, name) = (try DatasetLoader.sampleCount(contentsOf: url, format: format),
                             spec.id ?? URL(fileURLWithPath: spec.path ?? "").lastPathComponent)
        }
        _ = try labels.membership(of: classes, count: count, dataset: name)
    }

    /// The file of a spec that names an uploaded dataset or a path, with its format.
    private func file(_ spec: DatasetSpec) throws(DatasetSpecError) -> (URL, DatasetFormat?) {
        if let id = spec.id {
            let file = try upload(id)
            return (URL(fileURLWithPath: file.path), file.format)
        }
        return (try resolve(spec.path ?? ""), spec.format)
    }

    /// The labels `spec` names, read (nil when it names none).
    public func loadLabels(_ spec: DatasetSpec) throws -> Labels? {
        guard let source = spec.labels else { return nil }
        let (url, format, name) = try labelsFile(source)
        return try LabelReader.load(contentsOf: url, format: format, column: spec.labelColumn, name: name)
    }

    /// The file of a labels source; for an upload also its format and how to name it.
    private func labelsFile(_ source: LabelSource) throws(DatasetSpecError) -> (URL, DatasetFormat?, String?) {
        switch source {
        case .path(let path):
            return (try resolve(path, field: "\(field).labels"), nil, nil)
        case .upload(let id):
            let file = try upload(id, field: "\(field).labels.id")
            return (URL(fileURLWithPath: file.path), file.format, "uploaded dataset \(id)")
        }
    }

    private func checkLabels(_ spec: DatasetSpec) throws(DatasetSpecError) {
        switch (spec.labels, spec.classes) {
        case (nil, nil):
            if spec.labelColumn != nil {
                throw DatasetSpecError(.invalid, field: "\(field).label_column",
                                       "needs labels (a labels file under a data root, or an uploaded dataset's {\"id\": …})")
            }
        case (.some, nil), (nil, .some):
            throw DatasetSpecError(.invalid, field: "\(field).classes",
                                   "labels and classes go together: labels name each sample's class, classes the ones to keep")
        case (.some(let source), .some(let classes)):
            _ = try labelsFile(source)
            guard !classes.isEmpty else {
                throw DatasetSpecError(.invalid, field: "\(field).classes", "is empty; name at least one class")
            }
            if let bad = classes.firstIndex(where: { abs($0) > Labels.maximumMagnitude }) {
                throw DatasetSpecError(.invalid, field: "\(field).classes[\(bad)]",
                                       "is \(classes[bad]), outside ±\(Labels.maximumMagnitude)")
            }
            if case .index(let index) = spec.labelColumn, index < 0 {
                throw DatasetSpecError(.invalid, field: "\(field).label_column", "must be ≥ 0 or a header name, got \(index)")
            }
        }
    }

    private func checkVectors(_ vectors: [[Float]], width: Int?) throws(DatasetSpecError) {
        guard let first = vectors.first else {
            throw DatasetSpecError(.invalid, field: "\(field).vectors", "is empty; expected at least one vector")
        }
        let expected = width ?? first.count
        for (row, vector) in vectors.enumerated() where vector.count != expected {
            let reason = width != nil ? "the model's input_dim is \(expected)" : "vectors[0] has \(expected)"
            throw DatasetSpecError(.invalid, field: "\(field).vectors[\(row)]", "has \(vector.count) values; \(reason)")
        }
        guard expected >= 1 else {
            throw DatasetSpecError(.invalid, field: "\(field).vectors[0]", "is empty; expected at least one value")
        }
    }
}

extension Dataset {
    /// The samples as a matrix, one row per sample.
    public var matrix: Matrix<Float> {
        Matrix(rows: count, columns: dimension, values: values)
    }
}

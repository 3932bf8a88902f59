// From a `DatasetSpec` to samples, for jobs, calibration and the command line alike: one
// source of data, files confined to the data roots, inline vectors checked before any work.
import AEData
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

/// Resolves dataset specifications against the data roots.
public struct DatasetResolver: Sendable {
    /// The folders paths are confined to.
    public var roots: DataRoots
    /// The field name used in messages (`dataset` in a job body).
    public var field: String

    /// A resolver over `roots`; errors name fields under `field`.
    public init(roots: DataRoots = DataRoots(), field: String = "dataset") {
        self.roots = roots
        self.field = field
    }

    /// Checks `spec` without reading file contents: exactly one source, a path inside the roots,
    /// inline vectors non-empty, rectangular and `width` wide (when given), a positive limit.
    public func check(_ spec: DatasetSpec, width: Int? = nil) throws(DatasetSpecError) {
        if let limit = spec.limit, limit < 1 {
            throw DatasetSpecError(.invalid, field: "\(field).limit", "must be at least 1, got \(limit)")
        }
        switch (spec.path, spec.vectors) {
        case (nil, nil):
            throw DatasetSpecError(.missing, field: field, "give path (a file under a data root) or vectors")
        case (.some, .some):
            throw DatasetSpecError(.conflicting, field: field, "give path or vectors, not both")
        case (.some(let path), nil):
            _ = try resolve(path)
        case (nil, .some(let vectors)):
            try checkVectors(vectors, width: width)
        }
    }

    /// The file a path names, or the error that says why not.
    public func resolve(_ path: String) throws(DatasetSpecError) -> URL {
        do {
            return try roots.resolve(path)
        } catch let error as DataError {
            throw DatasetSpecError(error.kind == .notFound ? .notFound : .refused, field: "\(field).path", error.description)
        } catch {
            throw DatasetSpecError(.refused, field: "\(field).path", "\(error)")
        }
    }

    /// Loads the samples `spec` names (the first `limit` of them).
    public func load(_ spec: DatasetSpec) throws -> Dataset {
        try check(spec)
        if let vectors = spec.vectors {
            let dataset = try Dataset(vectors: vectors, source: "\(field).vectors")
            return spec.limit.map { dataset.prefix($0) } ?? dataset
        }
        // `check` has made sure a path is there.
        let url = try resolve(spec.path ?? "")
        return try DatasetLoader.load(contentsOf: url, format: spec.format, limit: spec.limit)
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

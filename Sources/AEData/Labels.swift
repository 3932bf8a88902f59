// Integer class labels, one per sample of a dataset, from IDX (MNIST's label files), NPY
// integers or a CSV column; and the selection of the samples of some classes (one-class
// training and evaluation of anomaly detectors).
import Foundation

/// One integer class label per sample.
public struct Labels: Sendable, Equatable {
    /// The labels, in sample order.
    public let values: [Int]
    /// The file name they came from, for messages.
    public let source: String

    /// The largest magnitude a label may have (2²⁴ − 1): every label is then exact in the
    /// Float32 that readers convert to, and a larger integer cannot round into range.
    public static let maximumMagnitude = (1 << 24) - 1

    /// Labels read already (tests, inline data); each must be within ±`maximumMagnitude`.
    public init(_ values: [Int], source: String = "inline") throws {
        if let bad = values.firstIndex(where: { abs($0) > Self.maximumMagnitude }) {
            throw DataError(.labels, source: source, at: .row(bad, column: nil),
                            "label \(values[bad]) is outside ±\(Self.maximumMagnitude)")
        }
        self.values = values
        self.source = source
    }

    /// The classes present, ascending.
    public var classes: [Int] { Array(Set(values)).sorted() }
}

/// Which column of a CSV file holds the labels.
public enum LabelColumn: Sendable, Equatable {
    /// A 0-based column number.
    case index(Int)
    /// The column whose header cell is this name.
    case name(String)
}

/// Reads label files through the dataset parsers.
public enum LabelReader {
    /// Reads the labels at `url`, gunzipping by content. `format` nil infers it from the name;
    /// `column` picks a CSV column (needed when the file has more than one); `name`, when given,
    /// names the labels in errors instead of the file (an uploaded dataset's stored file).
    public static func load(contentsOf url: URL, format: DatasetFormat? = nil, column: LabelColumn? = nil,
                            name: String? = nil, maxBytes: Int = DatasetLoader.defaultMaxBytes) throws -> Labels {
        let (bytes, readerSource, resolved) = try DatasetLoader.bytes(contentsOf: url, format: format, maxBytes: maxBytes)
        let source = name ?? url.lastPathComponent
        return try Labels(read(bytes, format: resolved, source: name ?? readerSource, column: column).values, source: source)
    }

    /// Reads labels from bytes in `format`; `source` names them in errors.
    public static func read(_ bytes: [UInt8], format: DatasetFormat, source: String, column: LabelColumn? = nil) throws -> Labels {
        if column != nil && format != .csv {
            throw DataError(.labels, source: source, at: .whole, "a label column is only for CSV files; this is \(format.rawValue)")
        }
        let values: [Float]
        switch format {
        case .idx, .npy: values = try binary(bytes, format: format, source: source)
        case .csv: values = try csv(bytes, source: source, column: column)
        case .json: values = try singleColumn(JSONReader.read(bytes, source: source), source: source)
        }
        return try integers(values, source: source)
    }

    /// IDX or NPY labels: shape `[n]` or `[n, 1]`, of any element type; uint8 labels are the
    /// bytes themselves, not pixels scaled to [0, 1].
    private static func binary(_ bytes: [UInt8], format: DatasetFormat, source: String) throws -> [Float] {
        let collected = Collected()
        guard var parser = format.parser(source: source, scalesBytes: false,
                                         sink: { values, _ in collected.values.append(contentsOf: values) }) else { return [] }
        try parser.consume(bytes)
        let layout = try parser.finish()
        guard layout.shape.count == 1 || (layout.shape.count == 2 && layout.shape[1] == 1) else {
            throw DataError(.labels, source: source, at: .whole,
                            "labels need one value per sample (shape [n] or [n, 1]); this file has shape \(layout.shape)")
        }
        return collected.values
    }

    /// A CSV column: the only one, or the one `column` names.
    private static func csv(_ bytes: [UInt8], source: String, column: LabelColumn?) throws -> [Float] {
        var hasHeader: Bool?
        var index: Int?
        switch column {
        case nil: break
        case .index(let i):
            guard i >= 0 else { throw DataError(.labels, source: source, at: .whole, "label column must be ≥ 0, got \(i)") }
            index = i
        case .name(let name):
            let names = headerCells(bytes)
            guard let i = names.firstIndex(of: name) else {
                throw DataError(.labels, source: source, at: .line(1, column: nil), """
                    no column named '\(name.prefix(64))' in the header; its columns are \
                    \(names.prefix(20).map { "'\($0.prefix(64))'" }.joined(separator: ", "))
                    """)
            }
            index = i
            hasHeader = true
        }
        let table = try CSVReader.read(bytes, source: source, hasHeader: hasHeader)
        guard let index else { return try singleColumn(table, source: source) }
        guard index < table.dimension else {
            throw DataError(.labels, source: source, at: .whole,
                            "label column \(index) does not exist; the file has \(table.dimension) columns (0 to \(table.dimension - 1))")
        }
        return (0..<table.count).map { table.values[$0 * table.dimension + index] }
    }

    private static func singleColumn(_ table: Dataset, source: String) throws -> [Float] {
        guard table.dimension == 1 else {
            throw DataError(.labels, source: source, at: .whole,
                            "the file has \(table.dimension) columns; name the label column (0-based number or header name)")
        }
        return table.values
    }

    /// The cells of the first line, trimmed.
    private static func headerCells(_ bytes: [UInt8]) -> [String] {
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        return String(decoding: line, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}"))) }
    }

    /// The values as integers, refusing the first that is not one or is out of range.
    private static func integers(_ values: [Float], source: String) throws -> Labels {
        var labels: [Int] = []
        labels.reserveCapacity(values.count)
        for (i, value) in values.enumerated() {
            guard value.isFinite, value == value.rounded() else {
                throw DataError(.labels, source: source, at: .row(i, column: nil),
                                "label \(value) is not an integer; class labels are whole numbers")
            }
            guard abs(value) <= Float(Labels.maximumMagnitude) else {
                // Exact in Float32 only up to 2²⁴; print the integer, not its exponent form.
                let text = abs(value) < 9e18 ? String(Int64(value)) : "\(value)"
                throw DataError(.labels, source: source, at: .row(i, column: nil),
                                "label \(text) is outside ±\(Labels.maximumMagnitude)")
            }
            labels.append(Int(value))
        }
        return try Labels(labels, source: source)
    }

    /// The values a parser hands over (its sink may not capture a local variable).
    private final class Collected {
        var values: [Float] = []
    }
}

extension Labels {
    /// Whether each sample's label is one of `classes`, for a dataset `dataset` of `count`
    /// samples. Refuses labels that do not match the samples one to one, an empty class list
    /// and classes no label has, naming the files and the index.
    public func membership(of classes: [Int], count: Int, dataset: String) throws -> [Bool] {
        guard values.count == count else {
            throw DataError(.labels, source: source, at: .whole, """
                has \(values.count) labels; the dataset \(dataset) has \(count) samples: give one label per sample
                """)
        }
        guard !classes.isEmpty else {
            throw DataError(.labels, source: source, at: .whole, "classes is empty; name at least one class")
        }
        let present = Set(values)
        if let missing = classes.firstIndex(where: { !present.contains($0) }) {
            let sorted = present.sorted()
            let shown = sorted.prefix(20).map(String.init).joined(separator: ", ")
            throw DataError(.labels, source: source, at: .whole, """
                classes[\(missing)] is \(classes[missing]), which no label has; the labels hold classes \(shown)\
                \(sorted.count > 20 ? ", … (\(sorted.count) in all)" : "")
                """)
        }
        let wanted = Set(classes)
        return values.map { wanted.contains($0) }
    }
}

extension Dataset {
    /// The samples whose label is one of `classes`, in order: one-class training keeps the
    /// normal class (see `Labels.membership` for what is refused).
    public func selecting(classes: [Int], labels: Labels) throws -> Dataset {
        let keep = try labels.membership(of: classes, count: count, dataset: source)
        var values: [Float] = []
        for (row, kept) in keep.enumerated() where kept {
            values += self[row]
        }
        return Dataset(unchecked: values, dimension: dimension, source: source)
    }
}

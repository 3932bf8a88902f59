// The file formats a dataset can come in, and how a file name tells which one it is.

/// A dataset file format.
public enum DatasetFormat: String, Sendable, CaseIterable, Codable {
    /// IDX (MNIST family), NumPy .npy, comma-separated numbers, JSON arrays of vectors.
    case idx, npy, csv, json

    /// The accepted name endings, for messages; any may be followed by ".gz".
    public static let acceptedExtensions = ["-idx3-ubyte", "-idx1-ubyte", ".idx", ".npy", ".csv", ".json"]

    /// The format a file name implies, ignoring case and a trailing ".gz"; nil when it implies none.
    public static func infer(from path: String) -> DatasetFormat? {
        var name = (path.split(separator: "/").last.map(String.init) ?? "").lowercased()[...]
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        // MNIST's own names end "-idx3-ubyte"; some mirrors write ".idx3-ubyte". Any rank digit.
        if name.hasSuffix("-ubyte") {
            let stem = name.dropLast("-ubyte".count)  // "train-images-idx3"
            if stem.count >= 5, stem.last?.isNumber == true, stem.dropLast().hasSuffix("idx"),
               let separator = stem.dropLast(4).last, separator == "-" || separator == "." {
                return .idx
            }
        }
        if name.hasSuffix(".idx") { return .idx }
        if name.hasSuffix(".npy") { return .npy }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".json") { return .json }
        return nil
    }
}

// GET /data/files and GET /data/rows: read-only views of the dataset files under the data
// roots, so a client (the console's playground, the job form) can see what a job could train
// on and look at its samples without a shell on the server.
import AEData
import AEJSON
import Foundation
import HTTPServer

extension Service {
    func addDataFileRoutes(to router: inout Router) {
        route(&router, .get, "/data/files") { [self] _ in
            jsonResponse(Array(try Self.jobEncoder.encode(DataFileListing.scan(dataRoots))))
        }
        route(&router, .get, "/data/rows") { [self] request in
            let path = try Self.query(request, "path")
            let offset = try Self.integerQuery(request, "offset", default: 0, range: 0...Int(Int32.max))
            let limitBound = max(1, configuration.limits.batchVectors)
            let limit = try Self.integerQuery(request, "limit", default: min(16, limitBound), range: 1...limitBound,
                                              setting: "limits.batch_vectors")
            let dataset: Dataset
            do {
                let url = try dataRoots.resolve(path)
                dataset = try DatasetLoader.load(contentsOf: url, limit: offset + limit, maxBytes: Self.maxRowsFileBytes)
            } catch let error as DataError {
                throw APIError(dataError: error, field: "path")
            }
            guard offset < dataset.count else {
                throw APIError.invalid("invalid_query", "offset \(offset) is past the end of \(path): it has \(dataset.count) rows")
            }
            let rows = Array(dataset.values[(offset * dataset.dimension)...])
            var out = JSONObjectWriter(capacity: rows.count * 12 + 128)
            out.string("path", path)
            out.raw("offset", Array(String(offset).utf8))
            out.raw("dims", Array(String(dataset.dimension).utf8))
            try out.matrix("rows", rows, columns: dataset.dimension)
            return jsonResponse(out.finish())
        }
    }

    /// The largest dataset file (after gunzip) /data/rows reads: enough for Fashion-MNIST's
    /// 47 MB training images, small enough that a read-only request cannot take much memory.
    static let maxRowsFileBytes = 256 << 20

    /// The configured data roots.
    var dataRoots: DataRoots { DataRoots(configuration.dataRoots.map { URL(fileURLWithPath: $0) }) }

    /// The query item `name`, or a 422 naming it.
    static func query(_ request: HTTPRequest, _ name: String) throws(APIError) -> String {
        guard let value = request.queryItem(name), !value.isEmpty else {
            throw APIError.invalid("invalid_query", "the query needs \(name)")
        }
        return value
    }

    /// The integer query item `name` within `range` (`default` when absent).
    static func integerQuery(_ request: HTTPRequest, _ name: String, default value: Int, range: ClosedRange<Int>,
                             setting: String? = nil) throws(APIError) -> Int {
        guard let text = request.queryItem(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            let why = setting.map { " (setting \($0))" } ?? ""
            throw APIError.invalid("invalid_query", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)\(why), got '\(text)'")
        }
        return number
    }
}

extension APIError {
    /// The answer to a dataset that cannot be read: 404 no such file, 403 a path outside the
    /// data roots, 422 a file that is not a readable dataset.
    init(dataError error: DataError, field: String) {
        switch error.kind {
        case .notFound: self = .notFound("dataset_not_found", "\(field): \(error.description)")
        case .refused: self = APIError(403, "dataset_path_refused", "\(field): \(error.description)")
        default: self = .invalid("invalid_dataset", "\(field): \(error.description)")
        }
    }
}

/// The dataset files found under the data roots.
struct DataFileListing: Encodable, Sendable {
    /// One file: its path relative to its root, its format and size.
    struct File: Encodable, Sendable {
        var path: String
        var format: DatasetFormat
        var bytes: Int
    }

    var files: [File] = []
    /// Whether the walk stopped at one of its bounds before seeing everything.
    var truncated = false
    /// At most this many files are listed.
    static let maxFiles = 500
    /// At most this many directory entries are looked at, so a huge root cannot make a slow request.
    static let maxEntries = 20_000
    /// Folders deeper than this below a root are not entered.
    static let maxDepth = 4

    /// Walks every root (hidden entries skipped); a path found in two roots is listed once, as
    /// `DataRoots.resolve` would find it in the first.
    static func scan(_ roots: DataRoots) -> DataFileListing {
        var listing = DataFileListing()
        var seen = Set<String>(), visited = 0
        for root in roots.roots {
            guard let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [.skipsHiddenFiles])
            else { continue }
            let base = root.standardizedFileURL.path
            for case let url as URL in walker {
                visited += 1
                if visited > maxEntries || listing.files.count >= maxFiles {
                    listing.truncated = true
                    break
                }
                if walker.level > maxDepth { walker.skipDescendants() }
                let full = url.standardizedFileURL.path
                guard full.hasPrefix(base + "/") else { continue }
                let relative = String(full.dropFirst(base.count + 1))
                guard let format = DatasetFormat.infer(from: relative), !seen.contains(relative),
                      let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
                      values.isRegularFile == true,
                      (try? roots.resolve(relative)) != nil else { continue }
                seen.insert(relative)
                listing.files.append(File(path: relative, format: format, bytes: values.fileSize ?? 0))
            }
        }
        listing.files.sort { $0.path < $1.path }
        return listing
    }
}

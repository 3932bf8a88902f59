// GET /data/files and GET /data/rows over a real socket: only dataset files inside the data
// roots are listed, rows come back as the file holds them, and bad queries get clear errors.
import AETestSupport
import Foundation
import Testing

@Suite("Data root files (live)")
struct DataFileEndpointTests {
    /// A data root with a CSV of 5 rows × 3, a nested NPY-named file, a README, a hidden file,
    /// and a symbolic link leading out of the root.
    static func populate(_ root: URL) throws {
        let csv = (0..<5).map { r in (0..<3).map { c in "\(Double(r * 3 + c) / 4)" }.joined(separator: ",") }.joined(separator: "\n")
        try csv.write(to: root.appendingPathComponent("table.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("nested/deeper"), withIntermediateDirectories: true)
        try Data("[[1, 2], [3, 4]]".utf8).write(to: root.appendingPathComponent("nested/deeper/pairs.json"))
        try Data("notes".utf8).write(to: root.appendingPathComponent("README.txt"))
        try Data("1,2".utf8).write(to: root.appendingPathComponent(".hidden.csv"))
        let outside = try TestEnvironment.temporaryDirectory("outside")
        try Data("9,9".utf8).write(to: outside.appendingPathComponent("secret.csv"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("escape.csv"),
                                                   withDestinationURL: outside.appendingPathComponent("secret.csv"))
    }

    @Test("/data/files lists the dataset files under the roots with format and size, nothing hidden or outside")
    func listing() throws {
        let live = try LiveService()
        defer { live.stop() }
        try Self.populate(live.dataRoot)
        let answer = try live.get("/data/files")
        #expect(answer.status == 200, "\(answer.text)")
        let files = try #require(try answer.json()["files"]?.array)
        #expect(files.compactMap { $0["path"]?.string } == ["nested/deeper/pairs.json", "table.csv"])
        #expect(files.last?["format"]?.string == "csv")
        let size = try FileManager.default.attributesOfItem(atPath: live.dataRoot.appendingPathComponent("table.csv").path)[.size] as? Int
        #expect(files.last?["bytes"]?.int == size)
        #expect(try answer.json()["truncated"] == .bool(false))
    }

    @Test("/data/rows returns the rows from offset, as many as limit, at most to the end")
    func rows() throws {
        let live = try LiveService()
        defer { live.stop() }
        try Self.populate(live.dataRoot)
        let page = try live.get("/data/rows?path=table.csv&offset=1&limit=2")
        #expect(page.status == 200, "\(page.text)")
        let json = try page.json()
        #expect(json["dims"]?.int == 3)
        #expect(json["offset"]?.int == 1)
        #expect(json["path"]?.string == "table.csv")
        #expect(json["rows"]?.numberTextRows?.map { $0.compactMap(Double.init) } == [[0.75, 1, 1.25], [1.5, 1.75, 2]])
        let tail = try live.get("/data/rows?path=table.csv&offset=4&limit=10")
        #expect(try tail.json()["rows"]?.array?.count == 1)
        let nested = try live.get("/data/rows?path=nested%2Fdeeper%2Fpairs.json")
        #expect(try nested.json()["rows"]?.numberTextRows?.map { $0.compactMap(Double.init) } == [[1, 2], [3, 4]], "\(nested.text)")
    }

    @Test("bad paths and queries get 403, 404 or 422 naming the problem")
    func errors() throws {
        let live = try LiveService(configure: { $0.limits.batchVectors = 32 })
        defer { live.stop() }
        try Self.populate(live.dataRoot)
        expectError(try live.get("/data/rows"), 422, "invalid_query", mentions: ["path"])
        expectError(try live.get("/data/rows?path=missing.csv"), 404, "dataset_not_found", mentions: ["missing.csv"])
        expectError(try live.get("/data/rows?path=..%2Fsecret.csv"), 403, "dataset_path_refused", mentions: [".."])
        expectError(try live.get("/data/rows?path=%2Fetc%2Fpasswd"), 403, "dataset_path_refused", mentions: ["absolute"])
        expectError(try live.get("/data/rows?path=escape.csv"), 403, "dataset_path_refused", mentions: ["outside"])
        expectError(try live.get("/data/rows?path=README.txt"), 422, "invalid_dataset", mentions: ["README.txt"])
        expectError(try live.get("/data/rows?path=table.csv&offset=5"), 422, "invalid_query", mentions: ["offset 5", "5 rows"])
        expectError(try live.get("/data/rows?path=table.csv&offset=-1"), 422, "invalid_query", mentions: ["offset"])
        expectError(try live.get("/data/rows?path=table.csv&limit=0"), 422, "invalid_query", mentions: ["limit", "1 to 32"])
        expectError(try live.get("/data/rows?path=table.csv&limit=33"), 422, "invalid_query", mentions: ["limits.batch_vectors"])
        expectError(try live.get("/data/rows?path=table.csv&offset=99999999999999999999"), 422, "invalid_query", mentions: ["offset"])
    }
}

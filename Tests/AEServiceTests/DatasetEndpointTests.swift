// The dataset routes over a real socket: uploads streamed to the store, listing, rows,
// deletion, and every refusal with its status and setting.
import AETestSupport
import Compression
import Foundation
import HTTPServer
import Testing

/// Three 2×2 uint8 images as IDX.
private let images: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 51, 102, 255, 1, 2, 3, 4, 250, 251, 252, 253]

extension LiveService {
    /// The datasets folder of this service.
    var datasetsFolder: URL { stateFolder.appendingPathComponent("datasets") }

    /// Entries of the datasets folder that are not finished datasets (uploads under way).
    var uploadsUnderWay: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: datasetsFolder.path)) ?? []).filter { $0.hasPrefix(".") }
    }

    /// POSTs `bytes` to /datasets (raw body, curl's default content type).
    func upload(_ bytes: [UInt8], query: String = "", headers: [(String, String)] = []) throws -> HTTPMessage {
        try request("POST", "/datasets\(query)", headers: headers, body: bytes, contentType: "application/x-www-form-urlencoded")
    }
}

@Suite("Datasets (live)")
struct DatasetEndpointTests {
    @Test("an upload becomes a dataset: 201 with Location and its facts; listed, described, read by rows, deleted")
    func lifecycle() throws {
        let live = try LiveService()
        defer { live.stop() }
        let created = try live.upload(images, query: "?name=tiny%20images")
        #expect(created.status == 201, "\(created.text)")
        let record = try created.json()
        let id = try #require(record["id"]?.string)
        #expect(created.header("Location") == "/datasets/\(id)")
        #expect(record["name"]?.string == "tiny images" && record["format"]?.string == "idx" && record["dtype"]?.string == "uint8")
        #expect(record["rows"]?.int == 3 && record["dims"]?.int == 4 && record["bytes"]?.int == images.count)
        #expect(record["sha256"]?.string?.count == 64 && record["created_at"]?.string != nil)
        #expect(record["sequence"] == nil)

        let second = try live.upload(Array("1,2,3,4\n".utf8))
        let secondID = try #require(try second.json()["id"]?.string)
        let list = try live.get("/datasets").json()
        #expect(list["datasets"]?.array?.compactMap { $0["id"]?.string } == [secondID, id], "newest first")
        #expect(try live.get("/datasets/\(id)").json()["sha256"] == record["sha256"])

        let rows = try live.get("/datasets/\(id)/rows?offset=1&limit=5").json()
        #expect(rows["rows"]?.int == 3 && rows["dims"]?.int == 4 && rows["offset"]?.int == 1)
        let vectors = try #require(rows["vectors"]?.array)
        #expect(vectors.count == 2)
        #expect(vectors[0].array?.compactMap { $0.double.map(Float.init) } == [1, 2, 3, 4].map { Float($0) / 255 })
        #expect(try live.get("/datasets/\(id)/rows?offset=3").json()["vectors"]?.array?.isEmpty == true)
        expectError(try live.get("/datasets/\(id)/rows?limit=1001"), 422, "invalid_query", mentions: ["limit", "1000"])
        expectError(try live.get("/datasets/\(id)/rows?offset=-1"), 422, "invalid_query", mentions: ["offset"])

        #expect(try live.request("DELETE", "/datasets/\(id)").status == 200)
        expectError(try live.get("/datasets/\(id)"), 404, "dataset_not_found")
        expectError(try live.request("DELETE", "/datasets/\(id)"), 404, "dataset_not_found")
        expectError(try live.get("/datasets/..%2F..%2Fetc"), 404, "dataset_not_found")
    }

    @Test("chunked, Expect: 100-continue and gzip-encoded uploads all arrive whole; a gzip file is told by its content")
    func transfers() throws {
        let live = try LiveService()
        defer { live.stop() }
        let csv = Array((0 ..< 2000).map { "\($0),\($0 % 7),0.5\n" }.joined().utf8)
        let client = try HTTPConnection(port: live.port)
        try client.send("POST /datasets HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        var wire: [UInt8] = []
        for start in stride(from: 0, to: csv.count, by: 10_000) {
            let part = csv[start ..< min(csv.count, start + 10_000)]
            wire += Array("\(String(part.count, radix: 16))\r\n".utf8) + part + Array("\r\n".utf8)
        }
        try client.send(wire + Array("0\r\n\r\n".utf8))
        let chunked = try client.readResponse()
        let chunkedRows = try chunked.json()["rows"]?.int
        #expect(chunked.status == 201 && chunkedRows == 2000, "\(chunked.text)")

        let encoded = try live.upload(Gzip.compress(csv), headers: [("Content-Encoding", "gzip")])
        let encodedRecord = try encoded.json()
        #expect(encodedRecord["rows"]?.int == 2000 && encodedRecord["compression"] == nil)
        let file = try live.upload(Gzip.compress(csv))
        let fileRecord = try file.json()
        #expect(fileRecord["rows"]?.int == 2000 && fileRecord["compression"]?.string == "gzip")
    }

    @Test("bad files get 422 naming where, and leave nothing behind")
    func invalidFiles() throws {
        let live = try LiveService()
        defer { live.stop() }
        let cases: [([UInt8], String, [String])] = [
            (Array(images.dropLast(3)), "", ["byte 25", "found 9"]),
            (Array("1,2\n3\n".utf8), "", ["line 2", "1 values", "line 1 has 2"]),
            (Array("1,2\n3,x\n".utf8), "", ["line 2, column 2", "\"x\""]),
            (Array("1,2\n3,NaN\n".utf8), "", ["line 2, column 2", "finite"]),
            ([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], "?format=idx", ["byte 0", "magic"]),
            ([0x50, 0x4B, 3, 4, 0, 0, 0, 0], "", ["byte 0", "cannot tell the format"]),
        ]
        for (bytes, query, mentions) in cases {
            expectError(try live.upload(bytes, query: query), 422, "invalid_dataset", mentions: mentions)
        }
        #expect(live.uploadsUnderWay.isEmpty)
        #expect(try live.get("/datasets").json()["datasets"]?.array?.isEmpty == true)
        expectError(try live.upload(images, query: "?format=json"), 422, "invalid_query", mentions: ["idx, npy, csv"])
        expectError(try live.request("POST", "/datasets", body: Array("{\"vectors\": [[1]]}".utf8)), 415)
        expectError(try live.request("POST", "/datasets", headers: [("Content-Type", "multipart/form-data; boundary=x")],
                                     body: Array("--x".utf8)), 415, mentions: ["--data-binary"])
    }

    @Test("limits: 413 for one upload over max_upload_bytes, 507 over the quota or the count, 429 past the concurrent uploads")
    func limits() throws {
        let live = try LiveService(configure: {
            $0.datasets.maxUploadBytes = 1000
            $0.datasets.quotaBytes = 60
            $0.datasets.maxCount = 2
            $0.datasets.maxConcurrentUploads = 1
        })
        defer { live.stop() }
        expectError(try live.upload([UInt8](repeating: 0x31, count: 1001)), 413, "upload_too_large",
                    mentions: ["datasets.max_upload_bytes"])
        #expect(try live.upload(images).status == 201)
        expectError(try live.upload(images + images), 507, "quota_exceeded", mentions: ["datasets.quota_bytes"])
        #expect(try live.upload(Array("1\n".utf8)).status == 201)
        expectError(try live.upload(Array("2\n".utf8)), 507, "dataset_count_exceeded", mentions: ["datasets.max_count"])
        let newest = try #require(try live.get("/datasets").json()["datasets"]?[0]?["id"]?.string)
        #expect(try live.request("DELETE", "/datasets/\(newest)").status == 200)
        // One upload under way (half its body sent) holds the only slot.
        let slow = try HTTPConnection(port: live.port)
        try slow.send(Array("POST /datasets HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n1,".utf8))
        #expect(waitUntil { !live.uploadsUnderWay.isEmpty })
        expectError(try live.upload(Array("3\n".utf8)), 429, "too_many_uploads", mentions: ["datasets.max_concurrent_uploads"])
        try slow.send("2\n3,4\n")
        #expect(try slow.readResponse().status == 201)
    }

    @Test("an upload cut off by its client leaves no dataset and no temporary file")
    func clientGoesAway() throws {
        let live = try LiveService()
        defer { live.stop() }
        do {
            let client = try HTTPConnection(port: live.port)
            try client.send(Array("POST /datasets HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n".utf8)
                            + Array(repeating: UInt8(ascii: "1"), count: 10) + Array(",2\n".utf8))
            #expect(waitUntil { !live.uploadsUnderWay.isEmpty })
        }
        #expect(waitUntil { live.uploadsUnderWay.isEmpty })
        #expect(try live.get("/datasets").json()["datasets"]?.array?.isEmpty == true)
    }

    @Test("Idempotency-Key: the same file again returns the first dataset; another file with the key is a 409")
    func idempotency() throws {
        let live = try LiveService()
        defer { live.stop() }
        let key = [("Idempotency-Key", "upload-1")]
        let first = try live.upload(images, headers: key)
        let again = try live.upload(images, headers: key)
        #expect(again.status == 201 && again.header("Idempotent-Replayed") == "true")
        let firstID = try first.json()["id"]
        #expect(try again.json()["id"] == firstID)
        expectError(try live.upload(Array("1\n".utf8), headers: key), 409, "idempotency_key_reused")
        #expect(try live.get("/datasets").json()["datasets"]?.array?.count == 1)
    }

    @Test("a job trains on an uploaded dataset by id; the dataset cannot be deleted while a job uses it")
    func trainOnUpload() throws {
        let live = try LiveService()
        defer { live.stop() }
        let csv = smallVectors(count: 64).map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let upload = try live.upload(Array(csv.utf8), query: "?name=small-vectors")
        let id = try #require(try upload.json()["id"]?.string, "\(upload.text)")

        let job = try JobTests.submit(live, JobTests.body(model: "uploaded", epochs: 2, dataset: #"{"id": "\#(id)", "limit": 48}"#))
        let done = try JobTests.waitForJob(live, job) { $0["state"]?.string.map { ["succeeded", "failed"].contains($0) } == true }
        #expect(done["state"]?.string == "succeeded", "\(done)")
        #expect(done["request"]?["dataset"]?["id"]?.string == id)
        #expect(try live.get("/models/uploaded").json()["versions"] == .array([.number("1")]))

        // Queued or running, a job holds its dataset: DELETE names it; once the job ends, it goes.
        let long = try JobTests.submit(live, JobTests.body(model: "uploaded", epochs: 10_000, dataset: #"{"id": "\#(id)"}"#))
        try JobTests.waitForJob(live, long) { $0["state"]?.string == "running" }
        expectError(try live.request("DELETE", "/datasets/\(id)"), 409, "dataset_in_use", mentions: [long])
        #expect(try live.request("DELETE", "/train-job/\(long)").status == 200)
        try JobTests.waitForJob(live, long) { $0["state"]?.string == "cancelled" }
        #expect(try live.request("DELETE", "/datasets/\(id)").status == 200)

        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(id)"}"#)), 422, "dataset_not_found",
                    mentions: ["dataset.id", id, "GET /datasets"])
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(id)", "path": "x.csv"}"#)), 422,
                    "conflicting_fields", mentions: ["path, id and vectors"])
    }

    @Test("labels and a calibration by uploaded id: a job keeps one class, bad labels are named, an upload in use is held")
    func labelsAndCalibrationByUpload() throws {
        let live = try LiveService()
        defer { live.stop() }
        let vectors = smallVectors(count: 64)
        let csv = vectors.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let data = try #require(try live.upload(Array(csv.utf8)).json()["id"]?.string)
        // Labels 0, 1, 2, 0, 1, 2, …: 22 samples of class 1. A one-column CSV upload, then IDX ones.
        let classes = (0..<64).map { $0 % 3 }
        let labels = try #require(try live.upload(Array(classes.map { "\($0)\n" }.joined().utf8)).json()["id"]?.string)
        let idx = try live.upload([0, 0, 0x08, 1, 0, 0, 0, 64] + classes.map { UInt8($0) })
        let idxLabels = try #require(try idx.json()["id"]?.string, "\(idx.text)")

        for source in [labels, idxLabels] {
            let spec = #"{"id": "\#(data)", "labels": {"id": "\#(source)"}, "classes": [1]}"#
            let job = try JobTests.submit(live, JobTests.body(model: "one-class", epochs: 1, dataset: spec))
            let done = try JobTests.waitForJob(live, job) { $0["state"]?.string.map { ["succeeded", "failed"].contains($0) } == true }
            #expect(done["state"]?.string == "succeeded", "\(done)")
            #expect(done["request"]?["dataset"]?["labels"]?["id"]?.string == source)
        }
        // The calibration of the new version counts its validation split: a quarter of class 1's
        // 21 samples, rounded (5), so the job trained on class 1 alone.
        let details = try live.get("/models/one-class").json()
        let trained = try #require(details["calibration"]?["scores"]?["mse"], "\(details)")
        #expect(trained["count"]?.int == 5 && trained["source"]?["classes"] == .array([.number("1")]), "\(trained)")

        // Recalibrated on the uploads by id: every sample of class 1, and the source says which.
        let calibrated = try live.post("/models/one-class/versions/2/calibrate",
                                       #"{"dataset": {"id": "\#(data)", "labels": {"id": "\#(labels)"}, "classes": [1]}}"#)
        #expect(calibrated.status == 200, "\(calibrated.text)")
        let mse = try #require(try calibrated.json()["calibration"]?["scores"]?["mse"])
        #expect(mse["count"]?.int == 21 && mse["source"]?["dataset"]?.string == data, "\(mse)")
        #expect(mse["source"]?["classes"] == .array([.number("1")]))

        // Refusals name the field, the upload and the index.
        let short = try #require(try live.upload(Array(classes.dropLast().map { "\($0)\n" }.joined().utf8)).json()["id"]?.string)
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(data)", "labels": {"id": "\#(short)"}, "classes": [1]}"#)),
                    422, "invalid_dataset", mentions: ["uploaded dataset \(short)", "63 labels", "64 samples"])
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(data)", "labels": {"id": "\#(labels)"}, "classes": [1, 7]}"#)),
                    422, "invalid_dataset", mentions: ["classes[1] is 7", "0, 1, 2"])
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(data)", "labels": {"id": "ds-0000000000000000"}, "classes": [1]}"#)),
                    422, "dataset_not_found", mentions: ["dataset.labels.id", "ds-0000000000000000"])
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(data)", "labels": {"id": "\#(labels)", "x": 1}, "classes": [1]}"#)),
                    422, "unknown_field", mentions: ["x"])
        expectError(try live.post("/models/one-class/versions/2/calibrate", #"{"dataset": {"id": "ds-0000000000000000"}}"#),
                    422, "dataset_not_found", mentions: ["dataset.id"])
        // Vectors as labels are not labels.
        expectError(try live.post("/train-job", JobTests.body(dataset: #"{"id": "\#(data)", "labels": {"id": "\#(data)"}, "classes": [1]}"#)),
                    422, "invalid_dataset", mentions: ["uploaded dataset \(data)", "8 columns"])

        // A running job holds its labels upload too.
        let long = try JobTests.submit(live, JobTests.body(model: "one-class", epochs: 10_000,
                                                           dataset: #"{"id": "\#(data)", "labels": {"id": "\#(labels)"}, "classes": [1]}"#))
        try JobTests.waitForJob(live, long) { $0["state"]?.string == "running" }
        expectError(try live.request("DELETE", "/datasets/\(labels)"), 409, "dataset_in_use", mentions: [long])
        #expect(try live.request("DELETE", "/train-job/\(long)").status == 200)
        try JobTests.waitForJob(live, long) { $0["state"]?.string == "cancelled" }
        #expect(try live.request("DELETE", "/datasets/\(labels)").status == 200)
    }

    @Test("uploads and deletions need the same authorisation as /train-job; reads do not")
    func auth() throws {
        let live = try LiveService(configure: { $0.apiKeys = ["k"] })
        defer { live.stop() }
        expectError(try live.upload(images), 401, "unauthorized")
        let created = try live.upload(images, headers: [("Authorization", "Bearer k")])
        let id = try #require(try created.json()["id"]?.string)
        expectError(try live.request("DELETE", "/datasets/\(id)"), 401)
        #expect(try live.get("/datasets/\(id)").status == 200)
        #expect(try live.request("DELETE", "/datasets/\(id)", headers: [("Authorization", "Bearer k")]).status == 200)
    }

    @Test("a replica with training off answers every dataset route with 404 training_disabled, as for jobs")
    func trainingDisabled() throws {
        let live = try LiveService(configure: { $0.training.enabled = false })
        defer { live.stop() }
        expectError(try live.upload(images), 404, "training_disabled", mentions: ["training.enabled"])
        expectError(try live.get("/datasets"), 404, "training_disabled")
        expectError(try live.get("/datasets/ds-0123456789abcdef"), 404, "training_disabled")
    }
}

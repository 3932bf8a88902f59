// POST/GET /datasets, GET/DELETE /datasets/{id}, GET /datasets/{id}/rows: uploads streamed to
// the dataset store, which checks them as they arrive and keeps only complete, valid files.
import AEData
import AEDatasets
import AEJSON
import AETraining
import Foundation
import HTTPServer
import Logging

extension Service {
    /// Rows one `/datasets/{id}/rows` page may hold, and values (rows × dims) it may carry.
    static let maxRowsPerPage = 1000
    static let maxValuesPerPage = 1 << 20

    func addDatasetRoutes(to router: inout Router) {
        let uploadLimit = configuration.datasets.maxUploadBytes
        route(&router, .post, "/datasets", body: .streamed(limit: uploadLimit)) { [self] request in
            try authorize(request)
            let store = try datasetStore()
            if isDraining { throw APIError.unavailable("the server is shutting down; upload to another replica") }
            try Self.checkUploadMediaType(request)
            let format = try Self.uploadFormat(request)
            let name = try Self.datasetName(request)
            let key = try Self.idempotencyKey(request)
            guard let body = request.bodyStream else { throw APIError.internalError("POST /datasets without a body stream") }
            let upload = try Self.mapped { () throws(DatasetStoreError) in
                try store.beginUpload(name: name, format: format, declaredLength: body.declaredLength, idempotencyKey: key)
            }
            while let chunk = try await body.next() {
                // withUnsafeBytes rethrows untyped errors, so the typed one travels in a Result.
                try Self.mapped { () throws(DatasetStoreError) in
                    try chunk.withUnsafeBytes { raw in Result { () throws(DatasetStoreError) in try upload.write(raw) } }.get()
                }
            }
            let (record, replayed) = try Self.mapped { () throws(DatasetStoreError) in try upload.finish() }
            var headers: HTTPHeaders = ["Location": "/datasets/\(record.id)"]
            if replayed {
                headers.set("Idempotent-Replayed", "true")
            } else {
                logger.info("dataset uploaded", metadata: ["dataset": "\(record.id)", "bytes": "\(record.bytes)",
                                                           "request_id": "\(request.id)"])
            }
            return try Self.datasetResponse(record, status: .created, headers: headers)
        }
        route(&router, .get, "/datasets") { [self] _ in
            let records = try datasetStore().list()
            return jsonResponse(Array(try Self.datasetEncoder.encode(["datasets": records])))
        }
        route(&router, .get, "/datasets/{id}") { [self] request in
            let store = try datasetStore()
            let id = request.parameter("id") ?? ""
            return try Self.datasetResponse(try Self.mapped { () throws(DatasetStoreError) in try store.record(id) })
        }
        route(&router, .delete, "/datasets/{id}") { [self] request in
            try authorize(request)
            let store = try datasetStore()
            let id = request.parameter("id") ?? ""
            // Refused while a queued or running job reads it, as samples or labels (naming the jobs).
            let jobs = self.jobs
            let record = try Self.mapped { () throws(DatasetStoreError) in
                try store.delete(id, usedBy: {
                    jobs?.list().filter { !$0.state.isFinal && $0.request.dataset.uploadIDs.contains(id) }.map(\.id) ?? []
                })
            }
            logger.notice("dataset deleted by request", metadata: ["dataset": "\(record.id)", "request_id": "\(request.id)"])
            return try Self.datasetResponse(record)
        }
        route(&router, .get, "/datasets/{id}/rows") { [self] request in
            let store = try datasetStore()
            let id = request.parameter("id") ?? ""
            let stored = try Self.mapped { () throws(DatasetStoreError) in try store.lookup(id) }
            let record = stored.record
            let offset = try Self.integerQuery(request, "offset", default: 0, allowed: 0 ... Int.max)
            let limit = try Self.integerQuery(request, "limit", default: 10, allowed: 1 ... Self.maxRowsPerPage)
            let wanted = min(limit, max(0, record.rows - offset))
            guard wanted * record.dims <= Self.maxValuesPerPage else {
                throw APIError.invalid("invalid_query", """
                    limit \(limit) × \(record.dims) values per row passes the \(Self.maxValuesPerPage) values one page \
                    may hold; ask for at most \(max(1, Self.maxValuesPerPage / record.dims)) rows
                    """)
            }
            var values: [Float] = []
            if wanted > 0 {
                do {
                    values = try DatasetRows.read(stored.url, format: record.format, offset: offset, count: wanted,
                                                  maxInflatedBytes: configuration.datasets.maxUploadBytes).values
                } catch {
                    throw APIError.internalError("dataset \(record.id) cannot be read back: \(error)")
                }
            }
            var writer = JSONObjectWriter(capacity: 128 + values.count * 8)
            writer.raw("id", Self.jsonString(record.id))
            writer.raw("offset", Array("\(offset)".utf8))
            writer.raw("limit", Array("\(limit)".utf8))
            writer.raw("rows", Array("\(record.rows)".utf8))
            writer.raw("dims", Array("\(record.dims)".utf8))
            if values.isEmpty {
                writer.raw("vectors", Array("[]".utf8))
            } else {
                try writer.matrix("vectors", values, columns: record.dims)
            }
            return jsonResponse(writer.finish())
        }
    }

    /// The file of an uploaded dataset by id, for dataset resolvers (jobs, calibration); none
    /// when the server keeps no dataset store (training disabled).
    static func uploads(in store: DatasetStore?) -> @Sendable (String) -> UploadedFile? {
        { id in (try? store?.lookup(id)).map { UploadedFile(path: $0.url.path, format: $0.format) } }
    }

    /// Opens the dataset store of `configuration` (in `datasets.folder`, by default under the
    /// state folder), logging what it finds and does.
    static func makeDatasetStore(_ configuration: ServiceConfiguration, logger: Logger) throws -> DatasetStore {
        let c = configuration.datasets
        var settings = DatasetStoreSettings(folder: c.folder.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: configuration.stateFolder).appendingPathComponent("datasets"))
        settings.maxUploadBytes = c.maxUploadBytes
        settings.quotaBytes = c.quotaBytes
        settings.maxCount = c.maxCount
        settings.maxConcurrentUploads = c.maxConcurrentUploads
        return try DatasetStore(settings: settings) { event in
            switch event {
            case .stored(let record):
                logger.info("dataset stored", metadata: [
                    "dataset": "\(record.id)", "format": "\(record.format.rawValue)", "rows": "\(record.rows)",
                    "dims": "\(record.dims)", "bytes": "\(record.bytes)"])
            case .deleted(let record):
                logger.notice("dataset deleted", metadata: ["dataset": "\(record.id)", "bytes": "\(record.bytes)"])
            case .removedLeftover(let name):
                logger.notice("removed what an interrupted upload or deletion left", metadata: ["entry": "\(name)"])
            case let .skipped(name, reason):
                logger.error("dataset not served: its folder cannot be read", metadata: ["dataset": "\(name)", "reason": "\(reason)"])
            }
        }
    }

    /// The dataset store, or 404 (as for jobs) on a replica with training off: uploads go to
    /// the replica that trains.
    func datasetStore() throws(APIError) -> DatasetStore {
        guard let datasets else {
            throw APIError(404, "training_disabled", """
                datasets are kept by the replica that trains; this one has training off (setting training.enabled)
                """)
        }
        return datasets
    }

    /// Runs `body`, turning the store's refusals into API errors.
    static func mapped<T>(_ body: () throws(DatasetStoreError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw apiError(error)
        }
    }

    /// The status and code of each refusal of the store.
    static func apiError(_ error: DatasetStoreError) -> APIError {
        let message = error.description
        switch error {
        case .notFound: return APIError(404, "dataset_not_found", message)
        case .inUse: return APIError(409, "dataset_in_use", message)
        case .uploadTooLarge, .inflatedTooLarge: return APIError(413, "upload_too_large", message)
        case .quotaExceeded: return APIError(507, "quota_exceeded", message)
        case .countExceeded: return APIError(507, "dataset_count_exceeded", message)
        case .tooManyUploads: return APIError(429, "too_many_uploads", message)
        case .invalidData: return APIError(422, "invalid_dataset", message)
        case .idempotencyKeyReused: return APIError(409, "idempotency_key_reused", message)
        case .idempotencyKeyInFlight: return APIError(409, "idempotency_key_in_flight", message)
        case .incomplete: return APIError(400, "incomplete_upload", message)
        case let .storage(_, operation, reason, full):
            // The message names no server path: those stay in the log.
            return full ? APIError(507, "insufficient_storage", "the disk holding the datasets is full: \(reason)")
                : APIError.internalError("cannot \(operation) a dataset file: \(reason)")
        }
    }

    /// Uploads are the file itself: a form or a JSON document is refused with what to send.
    static func checkUploadMediaType(_ request: HTTPRequest) throws(APIError) {
        guard let type = request.headers["Content-Type"]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() else { return }
        if type.hasPrefix("multipart/") {
            throw APIError(415, "unsupported_media_type", """
                send the file itself as the body (curl --data-binary @file.npy), not as a form (curl -F)
                """)
        }
        if type == "application/json" {
            throw APIError(415, "unsupported_media_type", """
                POST /datasets takes an NPY, IDX or CSV file as the body (application/octet-stream); \
                to train on inline vectors, give them in the job's dataset.vectors
                """)
        }
    }

    /// The `format` query parameter: npy, idx or csv (nil: told from the content).
    static func uploadFormat(_ request: HTTPRequest) throws(APIError) -> DatasetFormat? {
        guard let text = request.queryItem("format") else { return nil }
        let allowed: [DatasetFormat] = DatasetFormat.allCases.filter(\.isStreamable)
        guard let format = DatasetFormat(rawValue: text.lowercased()), format.isStreamable else {
            throw APIError.invalid("invalid_query", """
                format must be one of \(allowed.map(\.rawValue).joined(separator: ", ")) (gzip is told from the \
                content); got '\(text.prefix(40))'
                """)
        }
        return format
    }

    /// The `name` query parameter: 1–256 characters without control characters.
    static func datasetName(_ request: HTTPRequest) throws(APIError) -> String? {
        guard let name = request.queryItem("name") else { return nil }
        guard (1 ... 256).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid("invalid_query", "name must be 1 to 256 characters without control characters")
        }
        return name
    }

    /// The `Idempotency-Key` header, 1–255 characters.
    static func idempotencyKey(_ request: HTTPRequest) throws(APIError) -> String? {
        guard let key = request.headers["Idempotency-Key"] else { return nil }
        guard (1 ... 255).contains(key.count) else { throw APIError.malformed("Idempotency-Key must be 1 to 255 characters") }
        return key
    }

    /// An integer query parameter in `allowed`, or `fallback` when absent.
    static func integerQuery(_ request: HTTPRequest, _ name: String, default fallback: Int,
                             allowed: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = request.queryItem(name) else { return fallback }
        guard let value = Int(text), allowed.contains(value) else {
            let range = allowed.upperBound == .max ? "an integer ≥ \(allowed.lowerBound)"
                : "an integer from \(allowed.lowerBound) to \(allowed.upperBound)"
            throw APIError.invalid("invalid_query", "\(name) must be \(range); got '\(text.prefix(40))'")
        }
        return value
    }

    static func jsonString(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendJSON(text, to: &bytes)
        return bytes
    }

    static func datasetResponse(_ record: DatasetRecord, status: HTTPStatus = .ok,
                                headers: HTTPHeaders = HTTPHeaders()) throws -> HTTPResponse {
        jsonResponse(Array(try datasetEncoder.encode(record)), status: status, headers: headers)
    }

    /// Records as the API shows them: the store's bookkeeping (`sequence`) left out.
    static let datasetEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

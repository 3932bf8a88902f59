// Where jobs and their resumable training state live: one JSON file per job and one
// safetensors state file per running job under the state folder, all written atomically.
import AECheckpoint
import AEModel
import Foundation

/// Persistence for training jobs.
public protocol JobStore: Sendable {
    /// Writes `job` (atomically: a crash leaves the old or the new file, never half of one).
    func save(_ job: TrainingJob) throws
    /// Every stored job.
    func loadAll() throws -> [TrainingJob]
    /// Writes the resumable state of job `id`.
    func saveState(_ state: TrainingState, jobID id: String) throws
    /// The resumable state of job `id`, if any was saved.
    func loadState(jobID id: String) throws -> TrainingState?
    /// Forgets the state of job `id` (it finished).
    func removeState(jobID id: String)
}

/// A `JobStore` in a folder: `<root>/<id>.json` and `<root>/<id>.state.safetensors`.
public struct FolderJobStore: JobStore {
    /// The folder holding the files.
    public let root: URL

    /// A store in `root`, created when missing.
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    public func save(_ job: TrainingJob) throws {
        // Inline vectors never change: written once beside the job, not again every epoch.
        if let vectors = job.request.dataset.vectors {
            let url = vectorsURL(job.id)
            if !FileManager.default.fileExists(atPath: url.path) {
                try write(JSONEncoder().encode(vectors), to: url, name: "\(job.id).vectors.json")
            }
        }
        try write(Self.encoder.encode(job), to: root.appendingPathComponent("\(job.id).json"), name: "\(job.id).json")
    }

    /// Writes `data` to `url` atomically: a temporary file, flushed, renamed over the target.
    private func write(_ data: Data, to url: URL, name: String) throws {
        let temporary = root.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        // Write, flush to disk, then rename over the old file: the rename is the commit point.
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw APIError.internalError("cannot write \(temporary.path)")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw APIError.internalError("cannot rename \(temporary.path) to \(url.path): \(reason)")
        }
    }

    public func loadAll() throws -> [TrainingJob] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".vectors.json") && !$0.hasPrefix(".") }
            .compactMap { name -> TrainingJob? in
                guard var job = try? decoder.decode(TrainingJob.self, from: Data(contentsOf: root.appendingPathComponent(name)))
                else { return nil }
                if job.request.dataset.path == nil, job.request.dataset.vectors == nil {
                    job.request.dataset.vectors = try? JSONDecoder().decode([[Float]].self, from: Data(contentsOf: vectorsURL(job.id)))
                }
                return job
            }
    }

    public func saveState(_ state: TrainingState, jobID id: String) throws {
        try TrainingStateFile.save(state, to: stateURL(id))
    }

    public func loadState(jobID id: String) throws -> TrainingState? {
        let url = stateURL(id)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try TrainingStateFile.load(contentsOf: url)
    }

    public func removeState(jobID id: String) {
        try? FileManager.default.removeItem(at: stateURL(id))
    }

    private func vectorsURL(_ id: String) -> URL {
        root.appendingPathComponent("\(id).vectors.json")
    }

    private func stateURL(_ id: String) -> URL {
        root.appendingPathComponent("\(id).state.safetensors")
    }
}

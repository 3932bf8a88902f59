// The models being served: every valid version loaded, one active per model (the highest
// unless another is activated), hot-swapped atomically, refreshed by polling the source.
import AECheckpoint
import AEMath
import AEModel
import Foundation

/// Something the registry did or refused, for logs and metrics.
public enum RegistryEvent: Sendable, Equatable {
    /// A version was loaded and can be served.
    case loaded(name: String, version: Int)
    /// A version's checkpoint was refused; the previous versions keep serving.
    case refused(name: String, version: Int, reason: String)
    /// A version disappeared from the source.
    case removed(name: String, version: Int)
    /// The served version of a model changed.
    case activated(name: String, version: Int)
}

/// Why a registry request cannot be met.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No model of that name is loaded.
    case unknownModel(name: String, available: [String])
    /// The model exists but not that version.
    case unknownVersion(name: String, version: Int, available: [Int])

    public var description: String {
        switch self {
        case let .unknownModel(name, available):
            let list = available.isEmpty ? "none are loaded" : "available: \(available.joined(separator: ", "))"
            return "model '\(name)' is not loaded (\(list))"
        case let .unknownVersion(name, version, available):
            return "model '\(name)' has no version \(version) (available: \(available.map(String.init).joined(separator: ", ")))"
        }
    }
}

/// The served models. Thread-safe: lookups take a lock only to copy out an immutable value.
public final class ModelRegistry: @unchecked Sendable {
    private struct Entry {
        var versions: [Int: ServedModel] = [:]
        var pinned: Int?
        var active: ServedModel? {
            if let pinned, let model = versions[pinned] { return model }
            return versions.keys.max().flatMap { versions[$0] }
        }
    }

    private let source: ModelSource
    private let pinsURL: URL?
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Fingerprints of versions already tried, so a broken file is reported once, not every poll.
    private var seen: [String: String] = [:]
    private var timer: DispatchSourceTimer?
    private let onEvent: @Sendable (RegistryEvent) -> Void

    /// A registry over `source`; activations are remembered in `pinsURL` across restarts.
    public init(source: ModelSource, pinsURL: URL? = nil, onEvent: @escaping @Sendable (RegistryEvent) -> Void = { _ in }) {
        self.source = source
        self.pinsURL = pinsURL
        self.onEvent = onEvent
        if let pinsURL, let data = try? Data(contentsOf: pinsURL),
           let pins = try? JSONDecoder().decode([String: Int].self, from: data) {
            for (name, version) in pins { entries[name, default: Entry()].pinned = version }
        }
    }

    deinit { timer?.cancel() }

    /// Whether at least one model can be served.
    public var hasModels: Bool {
        lock.withLock { entries.values.contains { $0.active != nil } }
    }

    /// The served version of `name`, or the given version.
    public func model(named name: String, version: Int? = nil) throws(RegistryError) -> ServedModel {
        try lock.withLock { () -> Result<ServedModel, RegistryError> in
            guard let entry = entries[name], let active = entry.active else {
                return .failure(.unknownModel(name: name, available: availableNames()))
            }
            guard let version else { return .success(active) }
            guard let model = entry.versions[version] else {
                return .failure(.unknownVersion(name: name, version: version, available: entry.versions.keys.sorted()))
            }
            return .success(model)
        }.get()
    }

    /// Every loaded model: its versions, ascending, and the served one.
    public func snapshot() -> [(name: String, versions: [ServedModel], active: ServedModel, pinned: Int?)] {
        lock.withLock {
            entries.compactMap { name, entry in
                entry.active.map { (name, entry.versions.keys.sorted().compactMap { entry.versions[$0] }, $0, entry.pinned) }
            }.sorted { $0.name < $1.name }
        }
    }

    /// Serves `version` of `name` from now on (roll back or forward), remembered across restarts.
    @discardableResult
    public func activate(name: String, version: Int) throws(RegistryError) -> ServedModel {
        let model = try lock.withLock { () -> Result<ServedModel, RegistryError> in
            guard var entry = entries[name], entry.active != nil else {
                return .failure(.unknownModel(name: name, available: availableNames()))
            }
            guard let model = entry.versions[version] else {
                return .failure(.unknownVersion(name: name, version: version, available: entry.versions.keys.sorted()))
            }
            entry.pinned = version
            entries[name] = entry
            savePins()
            return .success(model)
        }.get()
        onEvent(.activated(name: name, version: version))
        return model
    }

    /// Stores a newly trained model as the next version and loads it. With `activate` it is
    /// served at once; without, the version served now stays served (it is pinned).
    public func publish(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata,
                        activate: Bool) throws -> ServedModel {
        let previous = try? self.model(named: name)
        let version = try source.store(name: name, model: model, metadata: metadata)
        let loaded = try source.load(name: name, version: version)
        let served = ServedModel(name: name, version: version, model: loaded.model, metadata: loaded.metadata,
                                 sha256: loaded.sha256, byteCount: loaded.byteCount, loadedAt: Date())
        lock.withLock {
            var entry = entries[name] ?? Entry()
            entry.versions[version] = served
            if activate {
                entry.pinned = version
            } else if entry.pinned == nil, let previous {
                entry.pinned = previous.version
            }
            entries[name] = entry
            seen["\(name)/\(version)"] = source.fingerprint(name: name, version: version)
            savePins()
        }
        onEvent(.loaded(name: name, version: version))
        if activate { onEvent(.activated(name: name, version: version)) }
        return served
    }

    /// Scans the source: loads new or changed versions, reports broken ones once, drops
    /// versions that disappeared. Returns what happened.
    @discardableResult
    public func refresh() -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        let names = (try? source.modelNames()) ?? []
        var found: [String: [Int]] = [:]
        for name in names { found[name] = (try? source.versions(of: name)) ?? [] }

        for (name, versions) in found {
            for version in versions {
                let key = "\(name)/\(version)"
                let fingerprint = source.fingerprint(name: name, version: version)
                let known = lock.withLock { seen[key] }
                guard fingerprint != known else { continue }
                do {
                    let loaded = try source.load(name: name, version: version)
                    let served = ServedModel(name: name, version: version, model: loaded.model, metadata: loaded.metadata,
                                             sha256: loaded.sha256, byteCount: loaded.byteCount, loadedAt: Date())
                    lock.withLock {
                        entries[name, default: Entry()].versions[version] = served
                        seen[key] = fingerprint
                    }
                    events.append(.loaded(name: name, version: version))
                } catch {
                    // A broken file never replaces what is served; remember it so it is reported once.
                    lock.withLock { seen[key] = fingerprint }
                    events.append(.refused(name: name, version: version, reason: "\(error)"))
                }
            }
        }
        lock.withLock {
            for (name, entry) in entries {
                let present = Set(found[name] ?? [])
                for version in entry.versions.keys where !present.contains(version) {
                    entries[name]?.versions[version] = nil
                    seen["\(name)/\(version)"] = nil
                    events.append(.removed(name: name, version: version))
                }
            }
        }
        for event in events { onEvent(event) }
        return events
    }

    /// Refreshes every `interval` seconds on a background queue until the registry is released.
    public func startPolling(every interval: Double) {
        guard interval > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.refresh() }
        lock.withLock { self.timer = timer }
        timer.resume()
    }

    /// Names with a servable version; called with the lock held.
    private func availableNames() -> [String] {
        entries.filter { $0.value.active != nil }.keys.sorted()
    }

    /// Writes the pins; called with the lock held.
    private func savePins() {
        guard let pinsURL else { return }
        let pins = entries.compactMapValues(\.pinned)
        if let data = try? JSONEncoder().encode(pins) {
            try? FileManager.default.createDirectory(at: pinsURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? AtomicFile.write(data, to: pinsURL)
        }
    }
}

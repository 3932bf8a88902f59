// The models being served: per model the served version and the latest few loaded, the others
// listed from disk and loaded on demand; swapped atomically for requests; refreshed by polling
// a source that other replicas may share, where activations are kept too.
import AECheckpoint
import AEJSON
import AEMath
import AEModel
import CLinux
import Foundation
import Synchronization

/// Something the registry did, refused or could not do, for logs and metrics.
public enum RegistryEvent: Sendable, Equatable {
    /// A version was loaded and can be served.
    case loaded(name: String, version: Int)
    /// A version's checkpoint was refused; the previous versions keep serving.
    case refused(name: String, version: Int, reason: String)
    /// A version disappeared from the source.
    case removed(name: String, version: Int)
    /// The served version of a model changed by an activation (here or on another replica).
    case activated(name: String, version: Int)
    /// A version was dropped from memory to keep it bounded; it stays on disk and is loaded
    /// again when a request or an activation names it.
    case unloaded(name: String, version: Int)
    /// Something in the source is not used (an odd version folder, a bad activation file);
    /// reported once.
    case skipped(path: String, reason: String)
    /// Reading the source failed for a reason that may pass (too many open files, no
    /// permission, I/O); what was served stays served. Reported once until it reads again.
    case unreadable(path: String, reason: String)
}

/// Why a registry request cannot be met.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No model of that name is loaded.
    case unknownModel(name: String, available: [String])
    /// The model exists but not that version.
    case unknownVersion(name: String, version: Int, available: [Int])
    /// The version exists but cannot be loaded (a broken checkpoint, or the disk failing now).
    case unavailable(name: String, version: Int, reason: String)
    /// An activation could not be stored in the source (read-only, full), so it was not made.
    case notStored(name: String, version: Int, reason: String)

    public var description: String {
        switch self {
        case let .unknownModel(name, available):
            let list = available.isEmpty ? "none are loaded" : "available: \(Self.list(available))"
            return "model '\(clipped(name))' is not loaded (\(list))"
        case let .unknownVersion(name, version, available):
            return "model '\(clipped(name))' has no version \(version) (available: \(Self.list(available.map(String.init))))"
        case let .unavailable(name, version, reason):
            return "version \(version) of model '\(clipped(name))' cannot be loaded: \(reason)"
        case let .notStored(name, version, reason):
            return "cannot activate version \(version) of model '\(clipped(name))': storing the activation failed: \(reason)"
        }
    }

    /// At most 20 items, then how many more.
    private static func list(_ items: [String]) -> String {
        items.count <= 20 ? items.joined(separator: ", ")
            : items.prefix(20).joined(separator: ", ") + " and \(items.count - 20) more"
    }
}

/// One model as the registry sees it: the served version and every version on disk.
public struct RegistryModel: Sendable {
    /// The model's name.
    public let name: String
    /// What a request that names no version gets.
    public let active: ServedModel
    /// The activated version, if one is (else the highest is served).
    public let pinned: Int?
    /// Every servable version, ascending: loaded (`model` set) or on disk only.
    public let versions: [RegistryVersion]
}

/// A version of a model: loaded, or on disk and loaded when a request names it.
public struct RegistryVersion: Sendable {
    /// The version number.
    public let version: Int
    /// The loaded model, or nil while it is on disk only.
    public let model: ServedModel?
}

/// The served models. Lookups take a lock only to copy out an immutable value; reading and
/// writing files (polls, publishing, activations, loads) happens outside that lock, so a slow
/// disk or a starved trainer never stalls a request.
public final class ModelRegistry: Sendable {
    /// A version on disk, loaded or not.
    private struct Version {
        /// The identity of its files when last looked at.
        var fingerprint: String?
        /// The loaded model, and the fingerprint it was loaded at.
        var model: ServedModel?
        var loadedFingerprint: String?
        /// Why its files at `fingerprint` cannot be loaded; tried again when they change.
        var refusal: String?
        /// When a request last named it (registry ticks; 0: never), to keep recent ones loaded.
        var lastUsed: UInt64 = 0

        /// Whether a request may be given it (loaded, or not known to be broken).
        var isServable: Bool { model != nil || refusal == nil }
    }

    private struct Entry {
        var versions: [Int: Version] = [:]
        var pinned: Int?
        /// The pinned version when loaded, else the highest loaded one.
        var served: ServedModel?

        mutating func updateServed() {
            if let pinned, let model = versions[pinned]?.model {
                served = model
            } else {
                served = versions.filter { $0.value.model != nil }.max { $0.key < $1.key }?.value.model
            }
        }

        /// The servable versions, highest first.
        var servableDescending: [Int] { versions.filter { $0.value.isServable }.keys.sorted(by: >) }

        /// Drops from memory what is neither served, pinned, among the `latest` highest
        /// servable versions, nor among the `latest` most recently requested others.
        mutating func evict(latest: Int) -> [Int] {
            var keep = Set(servableDescending.prefix(latest))
            if let served { keep.insert(served.version) }
            if let pinned { keep.insert(pinned) }
            let recent = versions.filter { $0.value.model != nil && $0.value.lastUsed > 0 && !keep.contains($0.key) }
                .sorted { $0.value.lastUsed > $1.value.lastUsed }.prefix(latest).map(\.key)
            keep.formUnion(recent)
            var dropped: [Int] = []
            for (number, version) in versions where version.model != nil && !keep.contains(number) {
                versions[number]?.model = nil
                versions[number]?.loadedFingerprint = nil
                dropped.append(number)
            }
            return dropped.sorted()
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0

        /// Names with a served version.
        var availableNames: [String] { entries.filter { $0.value.served != nil }.keys.sorted() }
    }

    /// A load that other requests for the same version wait for instead of loading it again.
    private final class PendingLoad: Sendable {
        private let outcome = Mutex<Result<ServedModel, RegistryError>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        func finish(_ result: Result<ServedModel, RegistryError>) {
            outcome.withLock { $0 = result }
            done.signal()
        }

        func wait() -> Result<ServedModel, RegistryError> {
            done.wait()
            done.signal()  // let the next waiter through too
            return outcome.withLock { $0 }!
        }
    }

    private let source: ModelSource
    /// How many of the highest versions of each model stay loaded, beside the served one.
    public let loadedVersions: Int
    private let state = Mutex(State())
    /// Serializes what changes the registry from the source or writes to it (refresh,
    /// publish, activate); they read and write files holding it, so no lookup ever takes it.
    private let maintenance = NSLock()
    /// Problems reported so far, by scope (a model name, or "" for the source itself).
    private let reported = Mutex<[String: Set<String>]>([:])
    private let loading = Mutex<[String: PendingLoad]>([:])
    private let timer = Mutex<PollTimer?>(nil)
    private let onEvent: @Sendable (RegistryEvent) -> Void

    /// A registry over `source` keeping `loadedVersions` of the latest versions of each model
    /// loaded (beside the served one); `onEvent` hears what it does.
    public init(source: ModelSource, loadedVersions: Int = 2,
                onEvent: @escaping @Sendable (RegistryEvent) -> Void = { _ in }) {
        self.source = source
        self.loadedVersions = max(1, loadedVersions)
        self.onEvent = onEvent
    }

    deinit { timer.withLock { $0?.source.cancel() } }

    /// Where the models come from, for messages.
    public var location: String { source.location }

    /// Whether at least one model can be served.
    public var hasModels: Bool {
        state.withLock { $0.entries.values.contains { $0.served != nil } }
    }

    /// The served version of `name`, or the given version (loaded from disk on its first request).
    public func model(named name: String, version: Int? = nil) throws(RegistryError) -> ServedModel {
        enum Lookup: Sendable { case found(ServedModel), load, failed(RegistryError) }
        let lookup = state.withLock { state -> Lookup in
            guard let entry = state.entries[name], let served = entry.served else {
                return .failed(.unknownModel(name: name, available: state.availableNames))
            }
            guard let version else { return .found(served) }
            guard let known = entry.versions[version], known.isServable else {
                if let refusal = entry.versions[version]?.refusal {
                    return .failed(.unavailable(name: name, version: version, reason: refusal))
                }
                return .failed(.unknownVersion(name: name, version: version, available: entry.servableDescending.reversed()))
            }
            guard let model = known.model else { return .load }
            state.tick += 1
            state.entries[name]?.versions[version]?.lastUsed = state.tick
            return .found(model)
        }
        switch lookup {
        case .found(let model): return model
        case .failed(let error): throw error
        case .load: return try loadOnDemand(name, version ?? 0)
        }
    }

    /// Every model with a served version, by name.
    public func snapshot() -> [RegistryModel] {
        state.withLock { state in
            state.entries.compactMap { name, entry in
                entry.served.map { served in
                    RegistryModel(name: name, active: served, pinned: entry.pinned, versions: entry.versions
                        .filter { $0.value.isServable }.sorted { $0.key < $1.key }
                        .map { RegistryVersion(version: $0.key, model: $0.value.model) })
                }
            }.sorted { $0.name < $1.name }
        }
    }

    /// Serves `version` of `name` from now on (roll back or forward), here and, through the
    /// source, on every replica sharing it; loads the version first when it is not loaded.
    @discardableResult
    public func activate(name: String, version: Int) throws(RegistryError) -> ServedModel {
        var events: [RegistryEvent] = []
        defer { emit(events) }
        maintenance.lock()
        defer { maintenance.unlock() }
        var known = state.withLock { $0.entries[name]?.versions[version] }
        if known == nil, state.withLock({ $0.entries[name] != nil }) {
            // Published a moment ago, maybe by another replica: look at the model's folder now.
            events += scan(name)
            known = state.withLock { $0.entries[name]?.versions[version] }
        }
        guard let known else {
            throw state.withLock { state -> RegistryError in
                guard let entry = state.entries[name], entry.served != nil else {
                    return .unknownModel(name: name, available: state.availableNames)
                }
                return .unknownVersion(name: name, version: version, available: entry.servableDescending.reversed())
            }
        }
        let model: ServedModel
        if let loaded = known.model {
            model = loaded
        } else if let refusal = known.refusal {
            throw .unavailable(name: name, version: version, reason: refusal)
        } else {
            let result = load(name, version, requested: true)
            events += result.events
            model = try result.outcome.get()
        }
        do {
            try source.storeActivation(name: name, version: version)
        } catch {
            throw .notStored(name: name, version: version, reason: "\(error)")
        }
        let dropped = state.withLock { state in
            state.entries[name]?.pinned = version
            state.entries[name]?.updateServed()
            return state.entries[name]?.evict(latest: loadedVersions) ?? []
        }
        events.append(.activated(name: name, version: version))
        events += dropped.map { .unloaded(name: name, version: $0) }
        return model
    }

    /// Stores a newly trained model (with `companions`, file name → bytes, beside it) as the
    /// next version of `name` and loads it. With `activate` it is served at once; without,
    /// the version served now stays served (it is pinned) here and on every replica.
    public func publish(name: String, model: Autoencoder<Float>, metadata: CheckpointMetadata,
                        companions: [String: [UInt8]] = [:], activate: Bool) throws -> ServedModel {
        var events: [RegistryEvent] = []
        defer { emit(events) }
        if !activate {
            // Pin what is served before the new version appears, so no replica serves it.
            try maintenance.withLock {
                let (pinned, served) = state.withLock { ($0.entries[name]?.pinned, $0.entries[name]?.served?.version) }
                guard pinned == nil, let served else { return }
                try source.storeActivation(name: name, version: served)
                state.withLock { $0.entries[name]?.pinned = served }
            }
        }
        // The write and the check of what was written hold no lock at all.
        let version = try source.store(name: name, model: model, metadata: metadata, companions: companions)
        let fingerprint = try source.fingerprint(name: name, version: version)
        let loaded = try source.load(name: name, version: version)
        let served = ServedModel(name: name, version: version, loaded: loaded)
        try maintenance.withLock {
            if activate { try source.storeActivation(name: name, version: version) }
            let dropped = state.withLock { state in
                var entry = state.entries[name] ?? Entry()
                entry.versions[version] = Version(fingerprint: fingerprint, model: served, loadedFingerprint: fingerprint)
                if activate { entry.pinned = version }
                entry.updateServed()
                let dropped = entry.evict(latest: loadedVersions)
                state.entries[name] = entry
                return dropped
            }
            events.append(.loaded(name: name, version: version))
            if activate { events.append(.activated(name: name, version: version)) }
            events += dropped.map { .unloaded(name: name, version: $0) }
        }
        return served
    }

    /// Replaces the calibration of `version` of `name` (written by the source first, with no
    /// lock held) and serves it from now on; the checkpoint is not touched.
    @discardableResult
    public func recalibrate(name: String, version: Int, calibration: CalibrationSet) throws -> ServedModel {
        var served = try model(named: name, version: version)
        try source.storeCalibration(calibration, name: name, version: version)
        served.calibration = calibration
        served.calibrationProblem = nil
        let fingerprint = try? source.fingerprint(name: name, version: version)
        maintenance.withLock {
            state.withLock { state in
                // Unless the version was removed or rewritten meanwhile: a poll that reloaded
                // it read this calibration too.
                guard state.entries[name]?.versions[version]?.model?.sha256 == served.sha256 else { return }
                state.entries[name]?.versions[version]?.model = served
                state.entries[name]?.versions[version]?.fingerprint = fingerprint
                state.entries[name]?.versions[version]?.loadedFingerprint = fingerprint
                state.entries[name]?.updateServed()
            }
        }
        emit([.loaded(name: name, version: version)])
        return served
    }

    /// Removes what interrupted writes left in the source (see `ModelSource.removeLeftovers`).
    @discardableResult
    public func removeLeftovers() -> [String] {
        source.removeLeftovers()
    }

    /// Moves the activations an older aeserve kept in `url` (the state folder's
    /// `activations.json`, name → version) into the source, once: a model that already has an
    /// activation there keeps it, and the file is renamed `activations.json.migrated`.
    /// Returns the activations moved.
    @discardableResult
    public func migrateActivations(from url: URL) -> [String: Int] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        guard let pins = try? JSONDecoder().decode([String: Int].self, from: data) else {
            onEvent(.skipped(path: url.path, reason: "it is not a JSON object of model names to versions; left as it is"))
            return [:]
        }
        var moved: [String: Int] = [:]
        for (name, version) in pins.sorted(by: { $0.key < $1.key }) {
            if let problem = ModelVersion.problem(with: version) {
                onEvent(.skipped(path: url.path, reason: "'\(name)': \(problem)"))
                continue
            }
            do {
                guard try source.activation(of: name) == nil else { continue }
                try source.storeActivation(name: name, version: version)
                moved[name] = version
            } catch {
                // Kept for the next start: nothing is lost by trying again.
                onEvent(.unreadable(path: url.path, reason: "cannot move the activation of '\(name)': \(error)"))
                return moved
            }
        }
        try? FileManager.default.moveItem(at: url, to: url.appendingPathExtension("migrated"))
        return moved
    }

    /// Scans the source: follows activations, loads new or changed versions among the latest
    /// (and the activated one), drops from memory what is no longer needed, reports broken
    /// checkpoints and odd folders once. A source that cannot be read keeps what is served.
    @discardableResult
    public func refresh() -> [RegistryEvent] {
        let events = maintenance.withLock { () -> [RegistryEvent] in
            let names: [String]
            do {
                names = try source.modelNames()
            } catch {
                return problems(in: "", [.unreadable(path: source.location, reason: "\(error)")], complete: false)
            }
            var events = problems(in: "", [], complete: true)
            for name in names { events += scan(name) + loadLatest(name) }
            // Models whose folder is gone (the listing above succeeded without them).
            let gone = state.withLock { state in
                let gone = state.entries.filter { !names.contains($0.key) }
                for name in gone.keys { state.entries[name] = nil }
                return gone
            }
            for (name, entry) in gone.sorted(by: { $0.key < $1.key }) {
                events += entry.versions.keys.sorted().map { .removed(name: name, version: $0) }
                reported.withLock { $0[name] = nil }
            }
            return events
        }
        emit(events)
        return events
    }

    /// Refreshes every `interval` seconds on a background queue until the registry is released.
    public func startPolling(every interval: Double) {
        guard interval > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.refresh() }
        timer.resume()
        self.timer.withLock { $0 = PollTimer(source: timer) }
    }

    // MARK: - Reading the source (maintenance held)

    /// Brings the version table of `name` in line with its folder: new and vanished versions,
    /// changed files, the activation. Reads only listings, file attributes and the activation.
    private func scan(_ name: String) -> [RegistryEvent] {
        let scope = "model '\(name)'"
        let listing: ModelStore.Listing
        do {
            listing = try source.listing(of: name)
        } catch {
            return problems(in: name, [.unreadable(path: scope, reason: "\(error)")], complete: false)
        }
        var found: [RegistryEvent] = listing.skipped.map { .skipped(path: $0.path, reason: $0.reason) }
        var pin: Int??  // nil: unknown now, so the pin in memory stays
        do {
            pin = .some(try source.activation(of: name))
        } catch let error as CheckpointError where !error.isTransient {
            found.append(.skipped(path: scope, reason: "\(error); serving as before"))
        } catch {
            found.append(.unreadable(path: scope, reason: "\(error)"))
        }
        var fingerprints: [Int: String?] = [:]
        for version in listing.versions {
            do {
                fingerprints[version] = try source.fingerprint(name: name, version: version)
            } catch {
                found.append(.unreadable(path: scope, reason: "\(error)"))
            }
        }
        let (removed, activated, missingPin) = state.withLock { state -> ([Int], Int?, Int?) in
            var entry = state.entries[name] ?? Entry()
            let present = Set(listing.versions)
            let removed = entry.versions.keys.filter { !present.contains($0) }.sorted()
            for version in removed { entry.versions[version] = nil }
            for version in listing.versions {
                var known = entry.versions[version] ?? Version()
                // An unreadable fingerprint leaves the version as it was.
                if let fingerprint = fingerprints[version], known.fingerprint != fingerprint {
                    known.fingerprint = fingerprint
                    known.refusal = nil  // changed files get another try
                }
                entry.versions[version] = known
            }
            let before = entry.pinned
            if case .some(let newPin) = pin { entry.pinned = newPin }
            entry.updateServed()
            state.entries[name] = entry
            let missing = entry.pinned.flatMap { entry.versions[$0] == nil ? $0 : nil }
            return (removed, entry.pinned != before ? entry.pinned : nil, missing)
        }
        if let missingPin {
            found.append(.skipped(path: scope, reason: "its activation names version \(missingPin), which is not in its folder; the highest version is served"))
        }
        var events = problems(in: name, found, complete: true)
        events += removed.map { .removed(name: name, version: $0) }
        if let activated { events.append(.activated(name: name, version: activated)) }
        return events
    }

    /// Loads what `name` should have loaded (the latest `loadedVersions` servable versions
    /// and the activated one) where missing or changed, then drops the rest from memory.
    private func loadLatest(_ name: String) -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        /// Whether `version` is loaded after trying (a failed reload keeps the old model).
        func ensureLoaded(_ version: Int) -> Bool {
            guard let known = state.withLock({ $0.entries[name]?.versions[version] }) else { return false }
            if known.model != nil && known.loadedFingerprint == known.fingerprint { return true }
            if known.refusal != nil { return known.model != nil }
            let result = load(name, version, requested: false)
            events += result.events
            return state.withLock { $0.entries[name]?.versions[version]?.model != nil }
        }
        let (candidates, pinned) = state.withLock { ($0.entries[name]?.servableDescending ?? [], $0.entries[name]?.pinned) }
        var loaded = 0
        for version in candidates where loaded < loadedVersions {
            if ensureLoaded(version) { loaded += 1 }
        }
        if let pinned { _ = ensureLoaded(pinned) }
        let dropped = state.withLock { state in
            state.entries[name]?.updateServed()
            return state.entries[name]?.evict(latest: loadedVersions) ?? []
        }
        return events + dropped.map { .unloaded(name: name, version: $0) }
    }

    /// Loads one version from the source (no lock held during the read) and records the model
    /// or, for a broken checkpoint, the refusal; a failure that may pass is not remembered.
    private func load(_ name: String, _ version: Int, requested: Bool)
        -> (outcome: Result<ServedModel, RegistryError>, events: [RegistryEvent])
    {
        let fingerprint = try? source.fingerprint(name: name, version: version)
        do {
            let served = ServedModel(name: name, version: version, loaded: try source.load(name: name, version: version))
            state.withLock { state in
                guard state.entries[name]?.versions[version] != nil else { return }
                if requested {
                    state.tick += 1
                    state.entries[name]?.versions[version]?.lastUsed = state.tick
                }
                state.entries[name]?.versions[version]?.model = served
                state.entries[name]?.versions[version]?.loadedFingerprint = fingerprint
                state.entries[name]?.versions[version]?.fingerprint = fingerprint
                state.entries[name]?.versions[version]?.refusal = nil
                state.entries[name]?.updateServed()
            }
            return (.success(served), problems(in: "\(name)/\(version)", [], complete: true) + [.loaded(name: name, version: version)])
        } catch let error as CheckpointError where !error.isTransient {
            // A broken file never replaces what is served; remembered so it is reported once.
            let reason = "\(error)"
            state.withLock { state in
                state.entries[name]?.versions[version]?.refusal = reason
                state.entries[name]?.versions[version]?.fingerprint = fingerprint
            }
            return (.failure(.unavailable(name: name, version: version, reason: reason)),
                    [.refused(name: name, version: version, reason: reason)])
        } catch {
            let events = problems(in: "\(name)/\(version)", [.unreadable(path: "model '\(name)' version \(version)", reason: "\(error)")],
                                  complete: true)
            return (.failure(.unavailable(name: name, version: version, reason: "\(error)")), events)
        }
    }

    /// A request's load of a version on disk: one read however many requests ask at once.
    private func loadOnDemand(_ name: String, _ version: Int) throws(RegistryError) -> ServedModel {
        let key = "\(name)/\(version)"
        let (pending, isFirst) = loading.withLock { loads -> (PendingLoad, Bool) in
            if let pending = loads[key] { return (pending, false) }
            let pending = PendingLoad()
            loads[key] = pending
            return (pending, true)
        }
        guard isFirst else { return try pending.wait().get() }
        let result = load(name, version, requested: true)
        let dropped = state.withLock { $0.entries[name]?.evict(latest: loadedVersions) ?? [] }
        loading.withLock { $0[key] = nil }
        pending.finish(result.outcome)
        emit(result.events + dropped.map { .unloaded(name: name, version: $0) })
        return try result.outcome.get()
    }

    /// Tells `onEvent`; after versions were unloaded, hands the freed memory back to the
    /// system (glibc keeps freed blocks in its per-thread arenas, so without a trim resident
    /// memory would stay at its peak however few versions stay loaded).
    private func emit(_ events: [RegistryEvent]) {
        for event in events { onEvent(event) }
        if events.contains(where: { if case .unloaded = $0 { true } else { false } }) {
            DispatchQueue.global(qos: .utility).async { _ = clinux_trim_heap() }
        }
    }

    /// The problems of `scope` not reported before. When `complete` (the scope was read in
    /// full), problems that went away are forgotten, so they are reported again if they return.
    private func problems(in scope: String, _ found: [RegistryEvent], complete: Bool) -> [RegistryEvent] {
        reported.withLock { reported in
            let known = reported[scope] ?? []
            let fresh = found.filter { !known.contains("\($0)") }
            reported[scope] = complete ? Set(found.map { "\($0)" }) : known.union(found.map { "\($0)" })
            return fresh
        }
    }
}

/// The polling timer. Dispatch sources may be used from any thread, which the type does not say.
private final class PollTimer: @unchecked Sendable {
    let source: DispatchSourceTimer
    init(source: DispatchSourceTimer) { self.source = source }
}

extension ServedModel {
    /// Version `version` of `name` as loaded from its checkpoint, now.
    init(name: String, version: Int, loaded: LoadedModel) {
        self.init(name: name, version: version, model: loaded.model, metadata: loaded.metadata,
                  sha256: loaded.sha256, byteCount: loaded.byteCount, loadedAt: Date(), calibration: loaded.calibration,
                  calibrationProblem: loaded.calibrationProblem)
    }
}

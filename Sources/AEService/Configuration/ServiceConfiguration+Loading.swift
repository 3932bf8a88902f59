// Reading the settings through swift-configuration: flags over AESERVE_* environment
// variables over the JSON file over the defaults, each value checked against what it allows.
import AECheckpoint
import Configuration
import Foundation

extension ServiceConfiguration {
    /// Loads the settings: `overrides` (from flags, typed) win over `environment` (AESERVE_*),
    /// which wins over the JSON file at `file` (when given), which wins over the defaults.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: ConfigValue] = [:]
    ) async throws -> ServiceConfiguration {
        var providers: [any ConfigProvider] = []
        // Flags come typed from the argument parser, so they are values in memory, first so
        // that they win; variables are text, converted to each key's type as they are read.
        if !overrides.isEmpty {
            providers.append(InMemoryProvider(name: "flags", values: Dictionary(
                overrides.map { (AbsoluteConfigKey(ConfigKey($0.key)), $0.value) }, uniquingKeysWith: { $1 })))
        }
        let variables = environment.filter { $0.key.hasPrefix("AESERVE_") }
        if !variables.isEmpty {
            providers.append(KeyMappingProvider(
                upstream: EnvironmentVariablesProvider(
                    environmentVariables: variables, secretsSpecifier: .specific(["AESERVE_AUTH_API_KEYS"])),
                keyMapper: { $0.prepending(["aeserve"]) }))
        }
        if let file {
            guard FileManager.default.fileExists(atPath: file) else {
                throw ConfigurationError(key: "--config", message: "no file at \(file)")
            }
            do {
                // The path goes in as configuration (the provider's `filePath` key), which spares
                // an import of swift-system, a package this one does not declare.
                let location = ConfigReader(provider: InMemoryProvider(
                    name: "config file", values: ["filePath": ConfigValue(.string(file), isSecret: false)]))
                providers.append(try await FileProvider<JSONSnapshot>(config: location))
            } catch {
                throw ConfigurationError(key: "--config", message: "\(file) is not valid JSON: \(error)")
            }
        }
        // The defaults live in the struct; an empty provider keeps the reader valid when no
        // file, variable or flag is given.
        providers.append(InMemoryProvider(name: "defaults", values: [:]))
        let lookups = ConfigLookups()
        return try ServiceConfiguration(reader: ConfigReader(providers: providers, accessReporter: lookups), lookups: lookups)
    }

    init(reader: ConfigReader, lookups: ConfigLookups) throws {
        var c = ServiceConfiguration()
        let r = SettingReader(reader: reader, lookups: lookups)
        c.server.host = try r.string("server.host", c.server.host) { $0.isEmpty ? "a host name or address" : nil }
        c.server.port = try r.int("server.port", c.server.port, allowed: 0...65535)
        c.server.maxConnections = try r.int("server.max_connections", c.server.maxConnections, allowed: 1...1_000_000)
        c.server.maxConnectionsPerPeer = try r.int("server.max_connections_per_peer", c.server.maxConnectionsPerPeer,
                                                   allowed: 0...1_000_000)
        c.server.drainTimeoutSeconds = try r.seconds("server.drain_timeout_seconds", c.server.drainTimeoutSeconds)
        c.server.tlsCertificate = try r.optionalString("server.tls.certificate")
        c.server.tlsPrivateKey = try r.optionalString("server.tls.private_key")
        if (c.server.tlsCertificate == nil) != (c.server.tlsPrivateKey == nil) {
            throw ConfigurationError(key: "server.tls", message: "give both certificate and private_key, or neither")
        }
        c.limits.requestLineBytes = try r.int("limits.request_line_bytes", c.limits.requestLineBytes, allowed: 256...1 << 20)
        c.limits.headerBytes = try r.int("limits.header_bytes", c.limits.headerBytes, allowed: 1024...1 << 22)
        c.limits.headerCount = try r.int("limits.header_count", c.limits.headerCount, allowed: 8...10_000)
        c.limits.bodyBytes = try r.int("limits.body_bytes", c.limits.bodyBytes, allowed: 1024...1 << 31)
        c.limits.batchVectors = try r.int("limits.batch_vectors", c.limits.batchVectors, allowed: 1...1 << 20)
        c.timeouts.headerSeconds = try r.seconds("timeouts.header_seconds", c.timeouts.headerSeconds)
        c.timeouts.bodySeconds = try r.seconds("timeouts.body_seconds", c.timeouts.bodySeconds)
        c.timeouts.idleSeconds = try r.seconds("timeouts.idle_seconds", c.timeouts.idleSeconds)
        c.models.root = try r.string("models.root", c.models.root) { $0.isEmpty ? "a folder path" : nil }
        c.models.defaultModel = try r.string("models.default", c.models.defaultModel) { $0.isEmpty ? "a model name" : nil }
        c.models.pollIntervalSeconds = try r.double("models.poll_interval_seconds", c.models.pollIntervalSeconds,
                                                    allowed: 0...86_400, meaning: "seconds (0 turns polling off)")
        c.models.loadedVersions = try r.int("models.loaded_versions", c.models.loadedVersions, allowed: 1...1000)
        c.models.modelName = try r.optionalString("models.model_name")
        c.models.modelBasePath = try r.optionalString("models.model_base_path")
        switch (c.models.modelName, c.models.modelBasePath) {
        case (nil, nil):
            break
        case let (name?, path?):
            do { try ModelStore.validate(name) } catch {
                throw ConfigurationError(key: "models.model_name", message: error.description)
            }
            guard !path.isEmpty else { throw ConfigurationError(key: "models.model_base_path", message: "expected a folder path") }
            // The only model served is the one a request without "model" gets.
            c.models.defaultModel = name
        default:
            throw ConfigurationError(key: "models.model_name",
                                     message: "give both model_name and model_base_path (--model-name, --model-base-path), or neither")
        }
        c.dataRoots = try r.stringArray("data.roots", c.dataRoots)
        c.stateFolder = try r.string("state.folder", c.stateFolder) { $0.isEmpty ? "a folder path" : nil }
        c.training.enabled = try r.bool("training.enabled", c.training.enabled)
        c.training.maxQueued = try r.int("training.max_queued", c.training.maxQueued, allowed: 0...100_000)
        c.training.concurrency = try r.int("training.concurrency", c.training.concurrency, allowed: 1...64)
        c.training.maxInlineVectors = try r.int("training.max_inline_vectors", c.training.maxInlineVectors, allowed: 1...10_000_000)
        c.training.threads = try r.int("training.threads", c.training.threads, allowed: 1...256)
        c.training.maxParameters = try r.int("training.max_parameters", c.training.maxParameters, allowed: 1...1 << 34)
        c.training.maxEpochs = try r.int("training.max_epochs", c.training.maxEpochs, allowed: 1...10_000_000)
        c.training.maxLayers = try r.int("training.max_layers", c.training.maxLayers, allowed: 2...2048)
        c.training.maxBatchActivations = try r.int("training.max_batch_activations", c.training.maxBatchActivations,
                                                   allowed: 1...1 << 40)
        c.training.memoryLimitBytes = try r.int("training.memory_limit_bytes", c.training.memoryLimitBytes,
                                                allowed: 0...1 << 50)
        c.training.maxAttempts = try r.int("training.max_attempts", c.training.maxAttempts, allowed: 1...100)
        c.training.yieldIntervalMicroseconds = try r.int("training.yield_interval_microseconds",
                                                         c.training.yieldIntervalMicroseconds, allowed: 0...1_000_000)
        c.datasets.folder = try r.optionalString("datasets.folder")
        c.datasets.maxUploadBytes = try r.int("datasets.max_upload_bytes", c.datasets.maxUploadBytes, allowed: 1...1 << 40)
        c.datasets.quotaBytes = try r.int("datasets.quota_bytes", c.datasets.quotaBytes, allowed: 1...1 << 50)
        c.datasets.maxCount = try r.int("datasets.max_count", c.datasets.maxCount, allowed: 1...1_000_000)
        c.datasets.maxConcurrentUploads = try r.int("datasets.max_concurrent_uploads", c.datasets.maxConcurrentUploads,
                                                    allowed: 1...1024)
        c.inferenceThreads = try r.int("inference.threads", c.inferenceThreads, allowed: 1...256)
        c.dynamicBatching.enabled = try r.bool("inference.dynamic_batching.enabled", c.dynamicBatching.enabled)
        c.dynamicBatching.maxBatch = try r.int("inference.dynamic_batching.max_batch", c.dynamicBatching.maxBatch,
                                               allowed: 1...65_536)
        c.dynamicBatching.maxDelayMicroseconds = try r.int("inference.dynamic_batching.max_delay_microseconds",
                                                           c.dynamicBatching.maxDelayMicroseconds, allowed: 0...1_000_000)
        c.apiKeys = try r.stringArray("auth.api_keys", [], secret: true)
        if let path = try r.optionalString("auth.api_keys_file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(key: "auth.api_keys_file", message: "cannot read \(path)")
            }
            // One key per line; blank lines and # comments are ignored.
            c.apiKeys += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        c.log.level = try r.string("log.level", c.log.level) { levels.contains($0) ? nil : levels.joined(separator: ", ") }
        c.log.format = try r.string("log.format", c.log.format) { ["json", "text"].contains($0) ? nil : "json, text" }
        self = c
    }
}

/// Reads one setting at a time and turns a missing value into the default and a wrong one
/// into a `ConfigurationError` naming the key and what is allowed.
private struct SettingReader {
    let reader: ConfigReader
    /// What each read found: a failed read of a key no provider holds is a missing value.
    let lookups: ConfigLookups

    private func read<T>(_ key: String, _ type: String, _ get: () throws -> T) throws -> T? {
        do {
            return try get()
        } catch where lookups.wasMissing(key) {
            return nil
        } catch {
            throw ConfigurationError(key: key, message: "expected \(type)")
        }
    }

    func int(_ key: String, _ fallback: Int, allowed: ClosedRange<Int>) throws -> Int {
        let message = "an integer from \(allowed.lowerBound) to \(allowed.upperBound)"
        guard let value = try read(key, message, { try reader.requiredInt(forKey: ConfigKey(key)) }) else { return fallback }
        guard allowed.contains(value) else { throw ConfigurationError(key: key, message: "\(value) is out of range; expected \(message)") }
        return value
    }

    func double(_ key: String, _ fallback: Double, allowed: ClosedRange<Double>, meaning: String) throws -> Double {
        let message = "\(meaning) from \(allowed.lowerBound) to \(allowed.upperBound)"
        guard let value = try read(key, message, { try reader.requiredDouble(forKey: ConfigKey(key)) }) else { return fallback }
        guard value.isFinite, allowed.contains(value) else {
            throw ConfigurationError(key: key, message: "\(value) is out of range; expected \(message)")
        }
        return value
    }

    func seconds(_ key: String, _ fallback: Double) throws -> Double {
        try double(key, fallback, allowed: 0.001...86_400, meaning: "seconds")
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        try read(key, "true or false", { try reader.requiredBool(forKey: ConfigKey(key)) }) ?? fallback
    }

    func string(_ key: String, _ fallback: String, check: (String) -> String?) throws -> String {
        guard let value = try optionalString(key) else { return fallback }
        if let allowed = check(value) {
            throw ConfigurationError(key: key, message: "'\(value)' is not allowed; expected \(allowed)")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        try read(key, "a string", { try reader.requiredString(forKey: ConfigKey(key)) })
    }

    func stringArray(_ key: String, _ fallback: [String], secret: Bool = false) throws -> [String] {
        try read(key, "a list of strings", { try reader.requiredStringArray(forKey: ConfigKey(key), isSecret: secret) }) ?? fallback
    }
}

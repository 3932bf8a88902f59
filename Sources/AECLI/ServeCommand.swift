// `aeserve serve`: the HTTP service over the models folder, until SIGTERM or SIGINT.
import AEService
import ArgumentParser
import Configuration
import Foundation
import Logging

/// Serves the models and the training queue over HTTP.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the models over HTTP (encode, decode, reconstruct, train jobs, metrics).",
        discussion: """
            Settings come from the config file, then AESERVE_* environment variables, then these
            flags (see config/README.md for every key). SIGTERM or SIGINT drains and exits 0.
            Example: aeserve serve --config config/aeserve.json --port 8080
            """)

    @Option(help: "Configuration file (JSON); default config/aeserve.json when it exists.")
    var config: String?

    @Option(help: "Address to listen on (server.host).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (server.port).")
    var port: Int?

    @Option(help: "Models root holding <name>/<version>/model.safetensors (models.root).")
    var models: String?

    @Option(help: "Model used when a request names none (models.default).")
    var defaultModel: String?

    @Option(help: "Serve only this model, its versions in --model-base-path, as TF Serving and KServe do (models.model_name).")
    var modelName: String?

    @Option(help: "Folder of --model-name's numbered version folders, e.g. /mnt/models (models.model_base_path).")
    var modelBasePath: String?

    @Option(help: "Folder for jobs, their resumable state and activations (state.folder).")
    var state: String?

    @Option(help: "Folder training-job dataset paths are confined to; repeat for several (data.roots).")
    var dataRoot: [String] = []

    @Option(help: "Seconds between looks for new model versions; 0 turns polling off (models.poll_interval_seconds).")
    var pollInterval: Double?

    @Option(help: "TLS certificate chain (PEM) to serve HTTPS (server.tls.certificate).")
    var tlsCertificate: String?

    @Option(help: "TLS private key (PEM) (server.tls.private_key).")
    var tlsKey: String?

    @Option(help: "File of API keys, one per line (auth.api_keys_file).")
    var apiKeysFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (log.level).")
    var logLevel: String?

    @Option(help: "Log format: json or text (log.format).")
    var logFormat: String?

    @Option(help: "Write the bound port to this file once listening (for scripts and tests).")
    var portFile: String?

    /// The flags as typed configuration values, by key.
    var overrides: [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        func text(_ key: String, _ value: String?) {
            if let value { values[key] = ConfigValue(.string(value), isSecret: false) }
        }
        text("server.host", host)
        if let port { values["server.port"] = ConfigValue(.int(port), isSecret: false) }
        text("models.root", models)
        text("models.default", defaultModel)
        text("models.model_name", modelName)
        text("models.model_base_path", modelBasePath)
        text("state.folder", state)
        if !dataRoot.isEmpty { values["data.roots"] = ConfigValue(.stringArray(dataRoot), isSecret: false) }
        if let pollInterval { values["models.poll_interval_seconds"] = ConfigValue(.double(pollInterval), isSecret: false) }
        text("server.tls.certificate", tlsCertificate)
        text("server.tls.private_key", tlsKey)
        text("auth.api_keys_file", apiKeysFile)
        text("log.level", logLevel)
        text("log.format", logFormat)
        return values
    }

    func validate() throws {
        if (modelName == nil) != (modelBasePath == nil) {
            throw ValidationError("give --model-name and --model-base-path together (one model served from its base path)")
        }
        if modelBasePath != nil && models != nil {
            throw ValidationError("give either --models (a folder per model) or --model-base-path (one model's versions), not both")
        }
    }

    func run() async throws {
        let file = config ?? (FileManager.default.fileExists(atPath: "config/aeserve.json") ? "config/aeserve.json" : nil)
        let settings: ServiceConfiguration
        do {
            settings = try await ServiceConfiguration.load(file: file, overrides: overrides)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let level = Logger.Level(rawValue: settings.log.level) ?? .info
        let json = settings.log.format == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "aeserve")
        logger.info("configuration", metadata: ["file": "\(file ?? "none")", "settings": "\(settings.redactedDescription)"])
        let runner = ServiceRunner(service: try Service(configuration: settings, logger: logger))
        runner.catchSignals()
        let port = try runner.start()
        if let portFile { try String(port).write(toFile: portFile, atomically: true, encoding: .utf8) }
        runner.runUntilSignalled()
    }
}

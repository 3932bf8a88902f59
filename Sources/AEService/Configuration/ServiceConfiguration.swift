// Every setting of `aeserve serve`, with its default. Values come from config/aeserve.json,
// then AESERVE_* environment variables, then command-line flags (each overriding the last).
import Foundation

/// The settings of a running service.
public struct ServiceConfiguration: Sendable, Equatable {
    /// Listening and connection handling.
    public struct Server: Sendable, Equatable {
        public var host = "0.0.0.0"
        public var port = 8080
        public var maxConnections = 1024
        /// Connections one client address may hold (0: no limit).
        public var maxConnectionsPerPeer = 256
        public var drainTimeoutSeconds = 8.0
        public var tlsCertificate: String?
        public var tlsPrivateKey: String?
    }

    /// Size limits of requests.
    public struct Limits: Sendable, Equatable {
        public var requestLineBytes = 8192
        public var headerBytes = 16384
        public var headerCount = 100
        public var bodyBytes = 16 << 20
        public var batchVectors = 1024
    }

    /// How long a client may take.
    public struct Timeouts: Sendable, Equatable {
        public var headerSeconds = 10.0
        public var bodySeconds = 30.0
        public var idleSeconds = 60.0
    }

    /// Where models live and which one answers by default.
    public struct Models: Sendable, Equatable {
        public var root = "models"
        public var defaultModel = "fashion-mnist"
        public var pollIntervalSeconds = 5.0
        /// Versions of each model kept loaded beside the served one (TF Serving's `latest`);
        /// older ones are listed and loaded when a request or an activation names them.
        public var loadedVersions = 2
        /// Serve only this model, whose numbered version folders are in `modelBasePath`
        /// (KServe's `--model-name` / `--model-base-path`); `root` is then unused.
        public var modelName: String?
        public var modelBasePath: String?
    }

    /// The training-job queue.
    public struct Training: Sendable, Equatable {
        public var enabled = true
        public var maxQueued = 16
        public var concurrency = 1
        public var maxInlineVectors = 100_000
        /// Cores one job trains on; fewer than inference, so requests stay fast meanwhile.
        public var threads = 1
        /// Largest model a job may build, in trainable values.
        public var maxParameters = 20_000_000
        /// Most epochs a job may ask for.
        public var maxEpochs = 10_000
        /// Most dense layers a job's model may have.
        public var maxLayers = 64
        /// Most activations one training batch may hold (batch_size × values per sample).
        public var maxBatchActivations = 64 << 20
        /// Each training worker's memory limit in bytes (0: none).
        public var memoryLimitBytes = 4 << 30
        /// Worker processes one job may use up (crashes) before it fails.
        public var maxAttempts = 3
        /// How often a worker's training thread gives its core up, in microseconds (0: never).
        public var yieldIntervalMicroseconds = 100
        /// The binary started as `aeserve train-worker`; nil: this process's own.
        public var workerExecutable: String?
    }

    /// Uploaded datasets (`POST /datasets`).
    public struct Datasets: Sendable, Equatable {
        /// Where they are kept; nil: `datasets` under the state folder.
        public var folder: String?
        /// Largest upload, as sent and once inflated.
        public var maxUploadBytes = 2 << 30
        /// Bytes all datasets may take together.
        public var quotaBytes = 20 << 30
        /// Datasets that may be stored.
        public var maxCount = 1000
        /// Uploads that may run at once.
        public var maxConcurrentUploads = 2
    }

    /// Logging.
    public struct Log: Sendable, Equatable {
        public var level = "info"
        public var format = "json"
    }

    public var server = Server()
    public var limits = Limits()
    public var timeouts = Timeouts()
    public var models = Models()
    /// Folders that training-job dataset paths are confined to.
    public var dataRoots = ["/usr/share/datasets"]
    /// Where jobs, their resumable state and activations are stored.
    public var stateFolder = "state"
    public var training = Training()
    public var datasets = Datasets()
    /// Cores the math uses for one request (products are split across them).
    public var inferenceThreads = ProcessInfo.processInfo.activeProcessorCount
    /// Merging concurrent requests for one model version into one product (off by default).
    public var dynamicBatching = DynamicBatchingSettings()
    /// API keys for the mutating endpoints (never logged); empty means loopback only.
    public var apiKeys: [String] = []
    public var log = Log()

    /// The defaults.
    public init() {}

    /// A summary safe to log: every setting except secrets, which show as a count.
    public var redactedDescription: String {
        var copy = self
        copy.apiKeys = copy.apiKeys.map { _ in "<redacted>" }
        return String(describing: copy)
    }
}

/// A setting whose value is not allowed; the message names the key and what is allowed.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dotted key, e.g. `server.port`.
    public var key: String
    /// What is wrong and what is allowed.
    public var message: String

    /// An error for `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "configuration: \(key): \(message)" }
}

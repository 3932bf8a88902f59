import AEService
import AETestSupport
import Foundation
import Testing

@Suite("ServiceConfiguration")
struct ServiceConfigurationTests {
    static let file = TestEnvironment.packageRoot.appendingPathComponent("config/aeserve.json").path

    @Test("the committed config file holds the defaults")
    func defaults() async throws {
        var expected = ServiceConfiguration()
        expected.inferenceThreads = 2
        let loaded = try await ServiceConfiguration.load(file: Self.file, environment: [:])
        #expect(loaded == expected)
        var bare = ServiceConfiguration()
        bare.inferenceThreads = ProcessInfo.processInfo.activeProcessorCount
        #expect(try await ServiceConfiguration.load(file: nil, environment: [:]) == bare)
    }

    @Test("AESERVE_* variables override the file and flags override both")
    func layering() async throws {
        let environment = ["AESERVE_SERVER_PORT": "9001", "AESERVE_MODELS_DEFAULT": "other",
                           "AESERVE_DATA_ROOTS": "/a,/b", "AESERVE_TRAINING_ENABLED": "false", "UNRELATED": "x",
                           "AESERVE_DATASETS_MAX_UPLOAD_BYTES": "1048576", "AESERVE_TRAINING_YIELD_INTERVAL_MICROSECONDS": "0"]
        let loaded = try await ServiceConfiguration.load(file: Self.file, environment: environment,
                                                         overrides: ["server.port": 9002])
        #expect(loaded.server.port == 9002)
        #expect(loaded.models.defaultModel == "other")
        #expect(loaded.dataRoots == ["/a", "/b"])
        #expect(loaded.training.enabled == false)
        #expect(loaded.limits.bodyBytes == 16 << 20)
        #expect(loaded.datasets.maxUploadBytes == 1 << 20 && loaded.datasets.quotaBytes == 20 << 30)
        #expect(loaded.training.yieldIntervalMicroseconds == 0 && loaded.training.threads == 1)
    }

    @Test("models.model_name with models.model_base_path serves that one model, the default for requests naming none")
    func singleModel() async throws {
        let loaded = try await ServiceConfiguration.load(file: Self.file, environment: ["AESERVE_MODELS_LOADED_VERSIONS": "5"],
                                                         overrides: ["models.model_name": "kmodel", "models.model_base_path": "/mnt/models"])
        #expect(loaded.models.modelName == "kmodel" && loaded.models.modelBasePath == "/mnt/models")
        #expect(loaded.models.defaultModel == "kmodel" && loaded.models.loadedVersions == 5)
        await #expect(throws: ConfigurationError.self) {
            _ = try await ServiceConfiguration.load(file: Self.file, environment: [:],
                                                    overrides: ["models.model_name": "../x", "models.model_base_path": "/mnt/models"])
        }
    }

    @Test("a bad value stops loading with one line naming the key and what is allowed", arguments: [
        (["AESERVE_SERVER_PORT": "99999"], "configuration: server.port: 99999 is out of range; expected an integer from 0 to 65535"),
        (["AESERVE_SERVER_PORT": "eighty"], "configuration: server.port: expected an integer from 0 to 65535"),
        (["AESERVE_LOG_LEVEL": "loud"], "configuration: log.level: 'loud' is not allowed; expected trace, debug, info, notice, warning, error, critical"),
        (["AESERVE_TIMEOUTS_IDLE_SECONDS": "0"], "configuration: timeouts.idle_seconds: 0.0 is out of range; expected seconds from 0.001 to 86400.0"),
        (["AESERVE_SERVER_TLS_CERTIFICATE": "/c.pem"], "configuration: server.tls: give both certificate and private_key, or neither"),
        (["AESERVE_MODELS_LOADED_VERSIONS": "0"], "configuration: models.loaded_versions: 0 is out of range; expected an integer from 1 to 1000"),
        (["AESERVE_MODELS_MODEL_NAME": "kmodel"],
         "configuration: models.model_name: give both model_name and model_base_path (--model-name, --model-base-path), or neither"),
    ])
    func badValues(environment: [String: String], message: String) async throws {
        do {
            _ = try await ServiceConfiguration.load(file: Self.file, environment: environment)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test("a wrongly typed value in the file names its key")
    func badFile() async throws {
        let directory = try TestEnvironment.temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.json")
        try #"{"training": {"max_queued": "many"}}"#.write(to: url, atomically: true, encoding: .utf8)
        await #expect(throws: ConfigurationError(key: "training.max_queued", message: "expected an integer from 0 to 100000")) {
            _ = try await ServiceConfiguration.load(file: url.path, environment: [:])
        }
        await #expect(throws: ConfigurationError.self) {
            _ = try await ServiceConfiguration.load(file: directory.appendingPathComponent("missing.json").path, environment: [:])
        }
    }

    @Test("API keys come from the environment or a file and never appear in the logged summary")
    func secrets() async throws {
        let directory = try TestEnvironment.temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys")
        try "# operators\nkey-from-file\n\n".write(to: keys, atomically: true, encoding: .utf8)
        let loaded = try await ServiceConfiguration.load(
            file: Self.file, environment: ["AESERVE_AUTH_API_KEYS": "s3cret-one", "AESERVE_AUTH_API_KEYS_FILE": keys.path])
        #expect(loaded.apiKeys == ["s3cret-one", "key-from-file"])
        #expect(!loaded.redactedDescription.contains("s3cret"))
        #expect(!loaded.redactedDescription.contains("key-from-file"))
    }
}

// The typed view of a checkpoint's `__metadata__`: aeserve's keys as Swift values, any
// other key kept as it was so that reading and writing a foreign file loses nothing.

/// aeserve's training facts stored in a safetensors `__metadata__` map.
public struct CheckpointMetadata: Sendable, Equatable {
    /// The format tag aeserve writes.
    public static let currentFormat = "aeserve/1"

    /// The `format` key ("aeserve/1" for aeserve's files; "" when the file has none).
    public var format: String
    /// The architecture as JSON text (the type lives in AEModel); nil in a foreign file.
    public var architectureJSON: String?
    /// The dataset the model was trained on.
    public var dataset: String?
    /// Epochs trained.
    public var epochs: Int?
    /// Final training loss.
    public var trainLoss: Double?
    /// Final validation loss.
    public var validationLoss: Double?
    /// Mean squared reconstruction error on the test set.
    public var testMSE: Double?
    /// When the checkpoint was written, ISO 8601 (kept as text, not parsed).
    public var createdAt: String?
    /// The seed that reproduces the training run.
    public var seed: UInt64?
    /// Wall-clock training time in seconds.
    public var trainingSeconds: Double?
    /// Every other key, preserved.
    public var extra: [String: String]

    /// The metadata keys, as written in the file.
    enum Key {
        static let format = "format"
        static let architecture = "architecture"
        static let dataset = "dataset"
        static let epochs = "epochs"
        static let trainLoss = "train_loss"
        static let validationLoss = "validation_loss"
        static let testMSE = "test_mse"
        static let createdAt = "created_at"
        static let seed = "seed"
        static let trainingSeconds = "training_seconds"
        static let all: Set<String> = [format, architecture, dataset, epochs, trainLoss,
                                       validationLoss, testMSE, createdAt, seed, trainingSeconds]
    }

    /// Creates metadata; unset facts are left out of the file.
    public init(format: String = CheckpointMetadata.currentFormat, architectureJSON: String? = nil,
                dataset: String? = nil, epochs: Int? = nil, trainLoss: Double? = nil,
                validationLoss: Double? = nil, testMSE: Double? = nil, createdAt: String? = nil,
                seed: UInt64? = nil, trainingSeconds: Double? = nil, extra: [String: String] = [:]) {
        self.format = format
        self.architectureJSON = architectureJSON
        self.dataset = dataset
        self.epochs = epochs
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.testMSE = testMSE
        self.createdAt = createdAt
        self.seed = seed
        self.trainingSeconds = trainingSeconds
        self.extra = extra
    }

    /// Reads a `__metadata__` map; a number that does not parse is `invalidMetadata`.
    public init(dictionary: [String: String]) throws(CheckpointError) {
        format = dictionary[Key.format] ?? ""
        architectureJSON = dictionary[Key.architecture]
        dataset = dictionary[Key.dataset]
        createdAt = dictionary[Key.createdAt]
        epochs = try Self.parse(dictionary, Key.epochs, as: "a non-negative integer") {
            Int($0).flatMap { $0 >= 0 ? $0 : nil }
        }
        seed = try Self.parse(dictionary, Key.seed, as: "an unsigned 64-bit integer") { UInt64($0) }
        trainLoss = try Self.finite(dictionary, Key.trainLoss)
        validationLoss = try Self.finite(dictionary, Key.validationLoss)
        testMSE = try Self.finite(dictionary, Key.testMSE)
        trainingSeconds = try Self.finite(dictionary, Key.trainingSeconds)
        extra = dictionary.filter { !Key.all.contains($0.key) }
    }

    /// The `__metadata__` map; typed fields win over an `extra` entry with the same key.
    public var dictionary: [String: String] {
        var dictionary = extra
        if !format.isEmpty { dictionary[Key.format] = format }
        dictionary[Key.architecture] = architectureJSON
        dictionary[Key.dataset] = dataset
        dictionary[Key.epochs] = epochs.map(String.init)
        // `description` is the shortest text that parses back to the same Double.
        dictionary[Key.trainLoss] = trainLoss?.description
        dictionary[Key.validationLoss] = validationLoss?.description
        dictionary[Key.testMSE] = testMSE?.description
        dictionary[Key.createdAt] = createdAt
        dictionary[Key.seed] = seed.map(String.init)
        dictionary[Key.trainingSeconds] = trainingSeconds?.description
        return dictionary
    }

    private static func parse<T>(_ dictionary: [String: String], _ key: String, as expected: String,
                                 _ convert: (String) -> T?) throws(CheckpointError) -> T? {
        guard let text = dictionary[key] else { return nil }
        guard let value = convert(text) else {
            throw .invalidMetadata(key: key, reason: "'\(text)' is not \(expected)")
        }
        return value
    }

    /// Losses and times must be finite: they are served as JSON, which has no NaN.
    private static func finite(_ dictionary: [String: String], _ key: String) throws(CheckpointError) -> Double? {
        try parse(dictionary, key, as: "a finite number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
    }
}

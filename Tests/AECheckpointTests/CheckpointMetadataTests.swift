// The typed view of `__metadata__`: parsing, serialising, unknown keys and malformed values.
import AECheckpoint
import Testing

@Suite struct CheckpointMetadataTests {
    static let dictionary = [
        "format": "aeserve/1",
        "architecture": #"{"kind":"autoencoder","input_dim":784}"#,
        "dataset": "fashion-mnist",
        "epochs": "12",
        "train_loss": "0.0123",
        "validation_loss": "0.015",
        "test_mse": "1e-05",
        "created_at": "2025-11-25T07:40:00Z",
        "seed": "18446744073709551615",
        "training_seconds": "93.5",
        "pytorch_version": "2.5.1",
    ]

    @Test func everyKnownKeyIsParsedAndUnknownKeysAreKept() throws {
        let metadata = try CheckpointMetadata(dictionary: Self.dictionary)
        #expect(metadata == CheckpointMetadata(
            format: "aeserve/1", architectureJSON: #"{"kind":"autoencoder","input_dim":784}"#,
            dataset: "fashion-mnist", epochs: 12, trainLoss: 0.0123, validationLoss: 0.015,
            testMSE: 1e-5, createdAt: "2025-11-25T07:40:00Z", seed: .max, trainingSeconds: 93.5,
            extra: ["pytorch_version": "2.5.1"]))
    }

    @Test func serialisingGivesBackTheSameDictionary() throws {
        #expect(try CheckpointMetadata(dictionary: Self.dictionary).dictionary == Self.dictionary)
    }

    @Test func unsetFieldsAreLeftOutAndAForeignFileHasNoFormat() throws {
        let foreign = try CheckpointMetadata(dictionary: [:])
        #expect(foreign.format == "" && foreign.architectureJSON == nil && foreign.epochs == nil)
        #expect(foreign.dictionary == [:])
        #expect(CheckpointMetadata(epochs: 3).dictionary == ["format": "aeserve/1", "epochs": "3"])
    }

    @Test func malformedIntegerIsInvalidMetadataNamingTheKey() {
        #expect(thrownMessage { _ = try CheckpointMetadata(dictionary: ["epochs": "12.5"]) }
            == "metadata 'epochs': '12.5' is not a non-negative integer")
    }

    @Test func malformedOrNonFiniteLossIsInvalidMetadata() {
        #expect(thrownMessage { _ = try CheckpointMetadata(dictionary: ["train_loss": "low"]) }
            == "metadata 'train_loss': 'low' is not a finite number")
        #expect(thrownMessage { _ = try CheckpointMetadata(dictionary: ["validation_loss": "nan"]) }
            == "metadata 'validation_loss': 'nan' is not a finite number")
    }
}

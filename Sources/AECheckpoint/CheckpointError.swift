// Everything that can go wrong reading or writing a checkpoint, as values whose message
// names the file, the tensor and the problem so a user can act on it.

/// A checkpoint that could not be read, validated or written, with an actionable message.
public enum CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The file is shorter than the 8-byte header-length prefix.
    case truncated(file: String, size: Int)
    /// The header length points past the end of the file.
    case headerPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    /// The header length exceeds the sanity cap (a corrupt prefix or not a safetensors file).
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header is not valid UTF-8 JSON, not an object, or has a malformed `__metadata__`.
    case invalidHeader(file: String, reason: String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or one has the wrong type.
    case invalidEntry(file: String, tensor: String, reason: String)
    /// A tensor's dtype is not one aeserve converts to Float (F32, F64, F16, BF16).
    case unsupportedDtype(file: String, tensor: String, dtype: String)
    /// A tensor's shape holds a negative or non-integer dimension, or is too large.
    case invalidShape(file: String, tensor: String, reason: String)
    /// A tensor's `data_offsets` end before they start.
    case offsetsReversed(file: String, tensor: String, start: Int, end: Int)
    /// A tensor's `data_offsets` run past the end of the data section.
    case offsetsOutOfRange(file: String, tensor: String, start: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not match its shape times its dtype size.
    case sizeMismatch(file: String, tensor: String, start: Int, end: Int, shape: [Int],
                      dtype: String, expectedBytes: Int)
    /// Two tensors claim some of the same bytes.
    case overlappingTensors(file: String, first: String, firstRange: [Int], second: String,
                            secondRange: [Int])
    /// Bytes of the data section between two tensors belong to no tensor.
    case dataHole(file: String, start: Int, end: Int, after: String?)
    /// Bytes after the last tensor belong to no tensor.
    case trailingBytes(file: String, count: Int, dataSize: Int)
    /// A tensor holds NaN or an infinity (flat row-major index).
    case nonFinite(file: String, tensor: String, index: Int, value: Float)
    /// A tensor the model needs is not in the checkpoint.
    case missingTensor(name: String)
    /// A tensor's shape differs from the one the model needs.
    case shapeMismatch(name: String, expected: [Int], actual: [Int])
    /// A file with no `architecture` metadata was loaded without one from the caller.
    case missingArchitecture(file: String)
    /// Tensors the architecture has no place for (a file for another model).
    case unexpectedTensors(file: String, names: [String])
    /// A `__metadata__` value cannot be read as the type its key requires.
    case invalidMetadata(key: String, reason: String)
    /// A model name that cannot be a folder of the model store.
    case invalidModelName(name: String, reason: String)
    /// A calibration file that is not JSON of the expected shape, or whose numbers disagree.
    case invalidCalibration(file: String, reason: String)
    /// A file-system call failed (`operation` is what was attempted, `reason` the OS's words).
    case fileSystem(path: String, operation: String, reason: String)
    /// A model's activation file does not hold `{"version": n}` with n in range.
    case invalidActivation(file: String, reason: String)
    /// A model already has the highest version number, so no new version can be written.
    case versionsExhausted(name: String, highest: Int)

    /// Whether the failure may pass by itself (the disk or the process's limits, not the
    /// file's content), so that it is worth trying again later.
    public var isTransient: Bool {
        if case .fileSystem = self { return true }
        return false
    }

    /// The message shown to a user: file, tensor, what is wrong and, where it helps, what to do.
    public var description: String {
        switch self {
        case let .truncated(file, size):
            return "\(file): file is \(size) bytes, shorter than the 8-byte header length; "
                + "the file is truncated or not safetensors"
        case let .headerPastEnd(file, headerLength, fileSize):
            return "\(file): header length \(headerLength) runs past the end of the file "
                + "(\(fileSize) bytes, so at most \(max(fileSize - 8, 0)) header bytes); "
                + "the file is truncated or not safetensors"
        case let .headerTooLarge(file, headerLength, limit):
            return "\(file): header length \(headerLength) exceeds the \(limit)-byte limit; "
                + "the file is corrupt or not safetensors"
        case let .invalidHeader(file, reason):
            return "\(file): invalid header: \(reason)"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)' \(reason)"
        case let .unsupportedDtype(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), which aeserve cannot load "
                + "(supported: F32, F64, F16, BF16)"
        case let .invalidShape(file, tensor, reason):
            return "\(file): tensor '\(tensor)' has an invalid shape: \(reason)"
        case let .offsetsReversed(file, tensor, start, end):
            return "\(file): tensor '\(tensor)' data_offsets [\(start), \(end)] end before they start"
        case let .offsetsOutOfRange(file, tensor, start, end, dataSize):
            return "\(file): tensor '\(tensor)' data_offsets [\(start), \(end)] run past the end "
                + "of the data section (\(dataSize) bytes); the file is truncated"
        case let .sizeMismatch(file, tensor, start, end, shape, dtype, expectedBytes):
            return "\(file): tensor '\(tensor)' data_offsets [\(start), \(end)] do not match "
                + "shape \(shape) of \(dtype) (\(expectedBytes) bytes)"
        case let .overlappingTensors(file, first, firstRange, second, secondRange):
            return "\(file): tensors '\(first)' data_offsets \(firstRange) and '\(second)' "
                + "data_offsets \(secondRange) overlap"
        case let .dataHole(file, start, end, after):
            let position = after.map { "after tensor '\($0)'" } ?? "before the first tensor"
            return "\(file): data bytes [\(start), \(end)) \(position) belong to no tensor; "
                + "safetensors requires the tensors to cover the data section exactly"
        case let .trailingBytes(file, count, dataSize):
            return "\(file): \(count) trailing bytes after the last tensor (data section is "
                + "\(dataSize) bytes); safetensors requires the tensors to cover it exactly"
        case let .nonFinite(file, tensor, index, value):
            return "\(file): tensor '\(tensor)' holds \(value) at flat index \(index); "
                + "the model diverged or the file is corrupt"
        case let .missingArchitecture(file):
            return "\(file): no 'architecture' in the metadata (a foreign file?); "
                + "give the architecture explicitly (--architecture or --preset)"
        case let .unexpectedTensors(file, names):
            return "\(file): tensors \(names.joined(separator: ", ")) do not belong to the "
                + "architecture; is this a checkpoint of another model?"
        case let .missingTensor(name):
            return "\(name): missing from the checkpoint"
        case let .shapeMismatch(name, expected, actual):
            return "\(name): expected \(expected), got \(actual)"
        case let .invalidMetadata(key, reason):
            return "metadata '\(key)': \(reason)"
        case let .invalidModelName(name, reason):
            return "invalid model name '\(name)': \(reason); use letters, digits, '-', '_' "
                + "and '.', not starting with '.'"
        case let .invalidCalibration(file, reason):
            return "\(file): invalid calibration: \(reason); recalibrate the version (aeserve calibrate)"
        case let .fileSystem(path, operation, reason):
            return "\(path): cannot \(operation): \(reason)"
        case let .invalidActivation(file, reason):
            return "\(file): not a valid activation: \(reason)"
        case let .versionsExhausted(name, highest):
            return "model '\(name)' already has version \(highest) and versions end at \(ModelVersion.highest); "
                + "remove or renumber its highest version folders to write new versions"
        }
    }
}

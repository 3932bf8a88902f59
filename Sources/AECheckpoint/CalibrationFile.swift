// calibration.json beside a version's checkpoint: a separate file, so that calibrating a
// version again never changes its checkpoint's bytes or sha256. Written atomically.
import AEModel
import Foundation

/// Reads and writes a version's calibration file.
public enum CalibrationFile {
    /// The file name beside `model.safetensors`.
    public static let fileName = "calibration.json"

    /// Where the calibration of the checkpoint at `checkpoint` lives.
    public static func url(besideCheckpoint checkpoint: URL) -> URL {
        checkpoint.deletingLastPathComponent().appendingPathComponent(fileName)
    }

    /// The JSON text of `set` (keys sorted, so the same calibration gives the same bytes).
    public static func encode(_ set: CalibrationSet) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain values with finite numbers cannot fail.
        return Array((try? encoder.encode(set)) ?? Data()) + [UInt8(ascii: "\n")]
    }

    /// Decodes and checks calibration JSON; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(CheckpointError) -> CalibrationSet {
        let set: CalibrationSet
        do {
            set = try JSONDecoder().decode(CalibrationSet.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidCalibration(file: source, reason: error.fieldMessage)
        } catch {
            throw .invalidCalibration(file: source, reason: "\(error)")
        }
        if let problem = set.problem { throw .invalidCalibration(file: source, reason: problem) }
        return set
    }

    /// The calibration at `url`, or nil when there is no file.
    public static func load(contentsOf url: URL) throws(CheckpointError) -> CalibrationSet? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try decode(FileSystem.readAll(url), source: url.path)
    }

    /// Replaces the file at `url` with `set`, atomically: readers see the old file or the new one.
    public static func save(_ set: CalibrationSet, to url: URL) throws(CheckpointError) {
        try AtomicFile.write(encode(set), to: url)
    }
}

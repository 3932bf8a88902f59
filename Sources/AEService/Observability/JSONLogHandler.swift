// One JSON object per log line on standard error, for log collectors.
import Foundation
import Logging

/// A swift-log handler that writes each event as one line of JSON to standard error.
public struct JSONLogHandler: LogHandler {
    /// Fields added to every event of this logger.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    private let label: String
    private static let lock = NSLock()

    /// A handler for loggers labelled `label`.
    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "time": ISO8601DateFormatter.logTimestamp.string(from: Date()),
            "level": event.level.rawValue, "logger": label, "message": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = Self.plain(value)
        }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        // One write per line, under a lock, so lines from several threads never interleave.
        Self.lock.withLock { FileHandle.standardError.write(line) }
    }

    private static func plain(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c):
            // Numbers stay numbers, so log queries can compare them (status >= 500, duration).
            if let number = c as? any BinaryInteger { return Int(number) }
            if let number = c as? Double, number.isFinite { return number }
            return c.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }
}

extension ISO8601DateFormatter {
    /// Timestamps with milliseconds.
    nonisolated(unsafe) static let logTimestamp: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

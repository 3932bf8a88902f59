// What a training worker tells the server, one JSON object per line on its standard output.
import AEModel
import Foundation

/// One line of a worker's report.
public enum WorkerEvent: Sendable, Equatable {
    /// Training began, or resumed with `history` already done (the saved state's epochs).
    case started(history: [EpochRecord])
    /// An epoch finished and its resumable state is on disk.
    case epoch(EpochRecord)
    /// The run ended: its checkpoint is at the assignment's `outputFile`, its calibration at
    /// `calibrationFile`.
    case finished
    /// The run cannot succeed (bad data, divergence, a missing file): retrying would not help.
    case failed(String)
    /// Asked to stop (SIGTERM), it stopped between batches; the saved state resumes it.
    case stopped(completedEpochs: Int)
}

extension WorkerEvent: Codable {
    private enum Kind: String, Codable {
        case started, epoch, finished, failed, stopped
    }

    private enum CodingKeys: String, CodingKey {
        case event, record, message, history
        case completedEpochs = "completed_epochs"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .event) {
        case .started: self = .started(history: try c.decode([EpochRecord].self, forKey: .history))
        case .epoch: self = .epoch(try c.decode(EpochRecord.self, forKey: .record))
        case .finished: self = .finished
        case .failed: self = .failed(try c.decode(String.self, forKey: .message))
        case .stopped: self = .stopped(completedEpochs: try c.decode(Int.self, forKey: .completedEpochs))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .started(let history):
            try c.encode(Kind.started, forKey: .event)
            try c.encode(history, forKey: .history)
        case .epoch(let record):
            try c.encode(Kind.epoch, forKey: .event)
            try c.encode(record, forKey: .record)
        case .finished:
            try c.encode(Kind.finished, forKey: .event)
        case .failed(let message):
            try c.encode(Kind.failed, forKey: .event)
            try c.encode(message, forKey: .message)
        case .stopped(let epochs):
            try c.encode(Kind.stopped, forKey: .event)
            try c.encode(epochs, forKey: .completedEpochs)
        }
    }

    /// The event as one line of JSON, newline included.
    public var line: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Losses are finite here (the trainer refuses a diverged epoch), but a line must parse.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        var data = (try? encoder.encode(self)) ?? Data(#"{"event":"failed","message":"unencodable event"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

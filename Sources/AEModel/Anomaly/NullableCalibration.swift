// A calibration in JSON answers (GET /models, the calibrate answer, `aeserve inspect --json`),
// where the field is always present: null for a version that has none.

/// A calibration written as JSON null when there is none.
public struct NullableCalibration: Encodable, Sendable {
    /// The calibration, if the version has one.
    public var set: CalibrationSet?

    /// Wraps `set`.
    public init(set: CalibrationSet?) {
        self.set = set
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let set { try container.encode(set) } else { try container.encodeNil() }
    }
}

// Builds JSON response bodies straight into bytes: floats as the shortest text that reads
// back to the same Float32, and never NaN or Infinity. A checkpoint's weights are finite (the
// registry refuses others), so a non-finite output means the input overflowed Float32 inside
// the model: that is the request's fault, a 422, not a 500.
import AEJSON

/// An append-only JSON object writer for response bodies.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        appendJSON(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// `"name": [[…], …]` for `rows × columns` values; a non-finite value is a 422 naming it.
    mutating func matrix(_ name: String, _ values: [Float], columns: Int) throws(APIError) {
        key(name)
        do {
            try appendJSON(values, columnCount: columns, to: &bytes)
        } catch {
            throw .nonFiniteOutput("\(name)[\(error.index / max(columns, 1))][\(error.index % max(columns, 1))]", error.value)
        }
    }

    /// `"name": [f, …]`.
    mutating func array(_ name: String, _ values: some Collection<Float>) throws(APIError) {
        key(name)
        do {
            try appendJSON(values, to: &bytes)
        } catch {
            throw .nonFiniteOutput("\(name)[\(error.index)]", error.value)
        }
    }

    /// `"name": f`.
    mutating func number(_ name: String, _ value: Float) throws(APIError) {
        key(name)
        guard appendJSON(value, to: &bytes) else { throw .nonFiniteOutput(name, value) }
    }

    /// `"name": "text"`.
    mutating func string(_ name: String, _ value: String) {
        key(name)
        appendJSON(value, to: &bytes)
    }

    /// `"name": "model…"`-style raw JSON (already serialised).
    mutating func raw(_ name: String, _ json: [UInt8]) {
        key(name)
        bytes += json
    }

    /// The finished object.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

extension APIError {
    /// 422: the model's output at `field` is `value` (inf or NaN) because the input overflowed.
    static func nonFiniteOutput(_ field: String, _ value: Float) -> APIError {
        .invalid("non_finite_output", """
            the model produced \(value) at \(field): the input's values are too large for the model \
            (they overflow 32-bit floats inside it); scale the input to the range the model was trained on
            """)
    }
}

/// `{"name": "…", "version": n}` for a served model.
func modelReferenceJSON(name: String, version: Int) -> [UInt8] {
    var bytes: [UInt8] = Array("{\"name\":".utf8)
    appendJSON(name, to: &bytes)
    bytes += Array(",\"version\":\(version)}".utf8)
    return bytes
}

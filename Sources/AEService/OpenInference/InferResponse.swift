// An Open Inference Protocol infer response: JSON, with binary outputs (Triton's binary tensor
// data extension) appended after the JSON header as raw little-endian Float32.
import AEJSON

/// One output tensor of an infer response: FP32 values, or BOOL flags.
struct OIPOutputTensor: Sendable {
    var name: String
    var shape: [Int]
    /// Row-major values (FP32 tensors).
    var values: [Float]
    /// Row-major flags (BOOL tensors); nil for FP32.
    var booleans: [Bool]?
    /// Sent as raw bytes after the JSON header rather than as JSON `data`.
    var binary: Bool

    /// An FP32 tensor.
    init(name: String, shape: [Int], values: [Float], binary: Bool) {
        self.name = name
        self.shape = shape
        self.values = values
        self.binary = binary
    }

    /// A BOOL tensor (one byte per flag in binary form, as Triton sends BOOL).
    init(name: String, shape: [Int], booleans: [Bool], binary: Bool) {
        self.init(name: name, shape: shape, values: [], binary: binary)
        self.booleans = booleans
    }

    var datatype: String { booleans == nil ? "FP32" : "BOOL" }

    /// The size of the binary form.
    var byteCount: Int { booleans?.count ?? values.count * 4 }
}

/// The bytes of an infer response.
struct OIPInferResponse: Sendable {
    /// The whole body: the JSON header and then any binary outputs in order.
    var body: [UInt8]
    /// The JSON header's length, for `Inference-Header-Content-Length`; nil when all is JSON.
    var headerLength: Int?

    /// A response for `model` at `version` echoing `id`; a non-finite value is an error naming it.
    init(model: String, version: Int, id: String?, outputs: [OIPOutputTensor]) throws(OIPError) {
        var json: [UInt8] = Array(#"{"model_name":"#.utf8)
        json.reserveCapacity(256 + outputs.reduce(0) { $0 + ($1.binary ? 0 : $1.byteCount * 3) })
        appendJSON(model, to: &json)
        json += Array(#","model_version":"\#(version)""#.utf8)
        if let id {
            json += Array(#","id":"#.utf8)
            appendJSON(id, to: &json)
        }
        json += Array(#","outputs":["#.utf8)
        var binaryBytes = 0
        for (i, output) in outputs.enumerated() {
            if i > 0 { json.append(UInt8(ascii: ",")) }
            json += Array(#"{"name":"#.utf8)
            appendJSON(output.name, to: &json)
            json += Array(#","datatype":"\#(output.datatype)","shape":[\#(output.shape.map(String.init).joined(separator: ","))]"#.utf8)
            if let bad = output.values.firstIndex(where: { !$0.isFinite }) {
                throw OIPError(status: 422, message: """
                    the model produced \(output.values[bad]) in output '\(output.name)' at flat index \(bad); \
                    inputs this large overflow the model
                    """)
            }
            if output.binary {
                json += Array(#","parameters":{"binary_data_size":\#(output.byteCount)}}"#.utf8)
                binaryBytes += output.byteCount
            } else if let flags = output.booleans {
                json += Array(#","data":[\#(flags.map { $0 ? "true" : "false" }.joined(separator: ","))]}"#.utf8)
            } else {
                json += Array(#","data":"#.utf8)
                // Checked finite above, so this cannot throw.
                try? appendJSON(output.values, to: &json)
                json.append(UInt8(ascii: "}"))
            }
        }
        json += Array("]}".utf8)
        guard binaryBytes > 0 else {
            body = json
            headerLength = nil
            return
        }
        headerLength = json.count
        json.reserveCapacity(json.count + binaryBytes)
        for output in outputs where output.binary {
            if let flags = output.booleans {
                json += flags.map { $0 ? 1 : 0 }
                continue
            }
            #if _endian(little)
            output.values.withUnsafeBytes { json.append(contentsOf: $0) }
            #else
            for value in output.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { json.append(contentsOf: $0) } }
            #endif
        }
        body = json
    }
}

/// `{"error": "message"}`, the protocol's error body.
func oipErrorBody(_ message: String) -> [UInt8] {
    var body: [UInt8] = Array(#"{"error":"#.utf8)
    appendJSON(clipped(message, limit: 8192), to: &body)
    body.append(UInt8(ascii: "}"))
    return body
}

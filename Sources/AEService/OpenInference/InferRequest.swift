// An Open Inference Protocol (KServe V2) infer request, read from JSON or from Triton's binary
// tensor data framing (a JSON header, then raw little-endian tensors). Pure: bytes in, a
// request or an error out; every size is checked before anything is allocated for it.
import AEJSON

/// An error answered as OIP's `{"error": "message"}` with `status`.
struct OIPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    var status: Int
    /// What went wrong, for a person; tritonclient shows it in its InferenceServerException.
    var message: String

    /// 400: the request is malformed or does not fit the model.
    static func invalid(_ message: String) -> OIPError { OIPError(status: 400, message: message) }

    var description: String { "\(status): \(message)" }
}

/// One input tensor of an infer request: FP32 values, row-major.
struct OIPInputTensor: Sendable, Equatable {
    var name: String
    var shape: [Int]
    var values: [Float]
}

/// One output an infer request asks for.
struct OIPRequestedOutput: Sendable, Equatable {
    var name: String
    /// `parameters.binary_data`, or nil when the output does not say.
    var binaryData: Bool?
}

/// A parsed infer request.
struct OIPInferRequest: Sendable, Equatable {
    /// The request's `id`, echoed in the response.
    var id: String?
    var inputs: [OIPInputTensor]
    /// The outputs asked for; nil means all of them.
    var outputs: [OIPRequestedOutput]?
    /// `parameters.binary_data_output`: the default for outputs that do not say.
    var binaryDataOutput: Bool
    /// `parameters.anomaly_threshold` / `anomaly_quantile`: what `is_anomaly` compares with
    /// (default: the calibration's 0.99 quantile).
    var anomalyThreshold: Double? = nil
    var anomalyQuantile: Double? = nil

    /// The header of Triton's binary tensor data extension.
    static let headerLengthField = "Inference-Header-Content-Length"

    /// Datatypes of the protocol and their sizes in bytes (BYTES is variable: 0 here).
    static let datatypes: [String: Int] = [
        "BOOL": 1, "INT8": 1, "UINT8": 1, "INT16": 2, "UINT16": 2, "FP16": 2, "BF16": 2,
        "INT32": 4, "UINT32": 4, "FP32": 4, "INT64": 8, "UINT64": 8, "FP64": 8, "BYTES": 0,
    ]

    /// Reads `body`; `headerLengths` are the values of `Inference-Header-Content-Length`
    /// (none: the whole body is JSON). Errors name the input, the field and the sizes.
    static func parse(body: [UInt8], headerLengths: [String]) throws(OIPError) -> OIPInferRequest {
        let jsonLength = try headerLength(headerLengths, bodyCount: body.count)
        let header = try body.withUnsafeBytes { bytes in
            Result { () throws(OIPError) in try Header.read(UnsafeRawBufferPointer(rebasing: bytes[0 ..< jsonLength])) }
        }.get()
        let hasFraming = !headerLengths.isEmpty

        // Every size is checked against the shape and the body before any tensor is allocated.
        var names = Set<String>()
        var binaryTotal = 0
        var counts: [Int] = []
        for input in header.inputs {
            let at = "input '\(clipped(input.name))'"
            guard names.insert(input.name).inserted else { throw .invalid("\(at) appears twice in inputs") }
            guard let size = datatypes[input.datatype] else {
                throw .invalid("\(at): unknown datatype '\(clipped(input.datatype))'")
            }
            guard input.datatype == "FP32" else {
                let kind = size == 0 ? " (variable-length strings)" : ""
                throw .invalid("\(at): datatype \(input.datatype)\(kind) is not served; aeserve takes FP32")
            }
            var count = 1
            for dimension in input.shape {
                guard dimension >= 0 else { throw .invalid("\(at): shape \(input.shape) has a negative dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw .invalid("\(at): shape \(input.shape) is too large") }
                count = product
            }
            counts.append(count)
            switch (input.binarySize, input.dataRange) {
            case (.some, .some):
                throw .invalid("\(at) has both data and parameters.binary_data_size; give one")
            case (nil, nil):
                throw .invalid("\(at) has neither data nor parameters.binary_data_size")
            case (.some(let size), nil):
                guard hasFraming else {
                    throw .invalid("\(at) has binary_data_size but the request has no \(headerLengthField) header")
                }
                let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
                guard !overflow, size == bytes else {
                    throw .invalid("\(at): binary_data_size \(size) does not match shape \(input.shape) of FP32 (\(overflow ? "too many" : String(bytes)) bytes)")
                }
                let (total, totalOverflow) = binaryTotal.addingReportingOverflow(size)
                guard !totalOverflow else { throw .invalid("\(at): binary_data_size values overflow") }
                binaryTotal = total
            case (nil, .some):
                break
            }
        }
        let following = body.count - jsonLength
        if binaryTotal > following {
            throw .invalid("binary inputs need \(binaryTotal) bytes after the JSON header; the body has \(following)")
        }
        if binaryTotal < following {
            throw .invalid("trailing bytes: \(following - binaryTotal) bytes follow the JSON header and binary inputs")
        }

        var inputs: [OIPInputTensor] = []
        inputs.reserveCapacity(header.inputs.count)
        var offset = jsonLength
        for (input, count) in zip(header.inputs, counts) {
            let values: [Float]
            if let range = input.dataRange {
                values = try readData(body, range, input: input.name, count: count, shape: input.shape)
            } else {
                values = readLittleEndianFloats(body, at: offset, count: count)
                offset += count * 4
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw .invalid("input '\(clipped(input.name))': value \(values[bad]) at flat index \(bad) is not finite; values must be finite")
                }
            }
            inputs.append(OIPInputTensor(name: input.name, shape: input.shape, values: values))
        }
        return OIPInferRequest(id: header.id, inputs: inputs, outputs: header.outputs, binaryDataOutput: header.binaryDataOutput,
                               anomalyThreshold: header.anomalyThreshold, anomalyQuantile: header.anomalyQuantile)
    }

    /// The JSON header's length: the whole body without the header field.
    private static func headerLength(_ values: [String], bodyCount: Int) throws(OIPError) -> Int {
        guard let first = values.first else { return bodyCount }
        guard values.allSatisfy({ $0 == first }) else {
            throw .invalid("\(headerLengthField) is repeated with different values: \(values.joined(separator: ", "))")
        }
        // 1*DIGIT, at most 18 digits so that it cannot overflow.
        guard !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy({ (0x30 ... 0x39).contains($0) }),
              let length = Int(first) else {
            throw .invalid("\(headerLengthField) '\(clipped(first))' is not a byte count")
        }
        guard length <= bodyCount else {
            throw .invalid("\(headerLengthField) \(length) is past the end of the body (\(bodyCount) bytes)")
        }
        return length
    }

    /// An input's JSON `data`, flat or nested, holding exactly `count` finite numbers.
    private static func readData(_ body: [UInt8], _ range: Range<Int>, input: String, count: Int,
                                 shape: [Int]) throws(OIPError) -> [Float] {
        let read = body.withUnsafeBytes { bytes in
            Result { () throws(JSONError) in
                var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: bytes[range]))
                let tensor = try scanner.readFloatTensor()
                try scanner.finish()
                return tensor
            }
        }
        let tensor: FloatTensor
        switch read {
        case .success(let value): tensor = value
        case .failure(let error): throw .invalid("input '\(clipped(input))' data: \(error.description)")
        }
        guard tensor.values.count == count else {
            throw .invalid("input '\(clipped(input))': data has \(tensor.values.count) values; shape \(shape) needs \(count)")
        }
        return tensor.values
    }

    /// `count` little-endian Float32 values from `bytes[offset...]` (the caller checked the size).
    private static func readLittleEndianFloats(_ bytes: [UInt8], at offset: Int, count: Int) -> [Float] {
        bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0 ..< count {
                    let bits = raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
                initialized = count
            }
        }
    }
}

/// The JSON header as written, before sizes are checked and tensors read.
private struct Header {
    struct Input {
        var name: String
        var shape: [Int]
        var datatype: String
        var binarySize: Int?
        /// Where the `data` value sits in the body; read only once every size is checked.
        var dataRange: Range<Int>?
    }

    var id: String?
    var inputs: [Input] = []
    var outputs: [OIPRequestedOutput]?
    var binaryDataOutput = false
    var anomalyThreshold: Double?
    var anomalyQuantile: Double?

    /// Reads the header; unknown members (`sequence_id`, `priority`, …) are skipped, as the
    /// protocol lets clients send parameters a server does not use.
    static func read(_ bytes: UnsafeRawBufferPointer) throws(OIPError) -> Header {
        var scanner = JSONScanner(bytes)
        var header = Header()
        var sawInputs = false
        do {
            try scanner.beginObject()
            while let key = try scanner.nextKey() {
                switch key {
                case "id": header.id = try scanner.readString()
                case "parameters":
                    try readParameters(&scanner) { key, scanner throws(JSONError) in
                        switch key {
                        case "binary_data_output": header.binaryDataOutput = try scanner.readBoolean()
                        case "anomaly_threshold": header.anomalyThreshold = try scanner.readDouble()
                        case "anomaly_quantile": header.anomalyQuantile = try scanner.readDouble()
                        default: return false
                        }
                        return true
                    }
                case "inputs":
                    sawInputs = true
                    try scanner.beginArray()
                    while try scanner.nextElement() { header.inputs.append(try readInput(&scanner)) }
                case "outputs":
                    var outputs: [OIPRequestedOutput] = []
                    try scanner.beginArray()
                    while try scanner.nextElement() { outputs.append(try readOutput(&scanner)) }
                    header.outputs = outputs
                default:
                    try scanner.skipValue()
                }
            }
            try scanner.finish()
        } catch let error as JSONError {
            throw .invalid("invalid inference request header: \(error.description)")
        } catch let error as OIPError {
            throw error
        } catch {
            throw .invalid("\(error)")
        }
        guard sawInputs, !header.inputs.isEmpty else { throw .invalid("the request needs \"inputs\" (at least one tensor)") }
        if let outputs = header.outputs {
            var seen = Set<String>()
            for output in outputs where !seen.insert(output.name).inserted {
                throw .invalid("output '\(clipped(output.name))' is asked for twice")
            }
        }
        return header
    }

    private static func readInput(_ scanner: inout JSONScanner) throws -> Input {
        try scanner.beginObject()
        var name: String?, shape: [Int]?, datatype: String?, binarySize: Int?, dataRange: Range<Int>?
        while let key = try scanner.nextKey() {
            switch key {
            case "name": name = try scanner.readString()
            case "datatype": datatype = try scanner.readString()
            case "shape":
                var dimensions: [Int] = []
                try scanner.beginArray()
                while try scanner.nextElement() { dimensions.append(try scanner.readInteger()) }
                shape = dimensions
            case "data":
                // Skipped now and read once the datatype and shape are known.
                let start = scanner.offset
                try scanner.skipValue()
                dataRange = start ..< scanner.offset
            case "parameters":
                try readParameters(&scanner) { key, scanner throws(JSONError) in
                    guard key == "binary_data_size" else { return false }
                    let size = try scanner.readInteger()
                    guard size >= 0 else { throw scanner.invalidValue("binary_data_size must be a byte count, got \(size)") }
                    binarySize = size
                    return true
                }
            default:
                try scanner.skipValue()
            }
        }
        guard let name else { throw OIPError.invalid("an entry of inputs needs \"name\"") }
        guard let datatype else { throw OIPError.invalid("input '\(clipped(name))' needs \"datatype\"") }
        guard let shape else { throw OIPError.invalid("input '\(clipped(name))' needs \"shape\"") }
        return Input(name: name, shape: shape, datatype: datatype, binarySize: binarySize, dataRange: dataRange)
    }

    private static func readOutput(_ scanner: inout JSONScanner) throws -> OIPRequestedOutput {
        try scanner.beginObject()
        var name: String?, binary: Bool?
        while let key = try scanner.nextKey() {
            switch key {
            case "name": name = try scanner.readString()
            case "parameters":
                try readParameters(&scanner) { key, scanner throws(JSONError) in
                    guard key == "binary_data" else { return false }
                    binary = try scanner.readBoolean()
                    return true
                }
            default:
                try scanner.skipValue()
            }
        }
        guard let name else { throw OIPError.invalid("an entry of outputs needs \"name\"") }
        return OIPRequestedOutput(name: name, binaryData: binary)
    }

    /// Walks a `parameters` object; `read` consumes the keys it knows and returns false for others.
    private static func readParameters(
        _ scanner: inout JSONScanner, _ read: (String, inout JSONScanner) throws(JSONError) -> Bool
    ) throws(JSONError) {
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            if try !read(key, &scanner) { try scanner.skipValue() }
        }
    }
}

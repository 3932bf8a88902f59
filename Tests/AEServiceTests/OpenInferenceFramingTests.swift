// The OIP infer-request parser: JSON and binary tensor data framing, and a table of malformed
// requests, each refused with a 400 whose message names what is wrong.
@testable import AEService
import Foundation
import Testing

/// A binary-extension body: the JSON header, then `tail` (raw bytes) — and the header length.
func binaryBody(_ json: String, floats: [Float] = [], extra: [UInt8] = []) -> (body: [UInt8], length: String) {
    var body = Array(json.utf8)
    let length = body.count
    for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { body += $0 } }
    return (body + extra, String(length))
}

struct OpenInferenceFramingTests {
    /// A valid binary request: two inputs sliced in order, outputs and parameters read.
    @Test func binaryInputsAreSlicedInOrder() throws {
        let json = #"""
            {"id":"7","parameters":{"binary_data_output":true,"priority":3},
             "inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}},
                       {"name":"b","shape":[3],"datatype":"FP32","parameters":{"binary_data_size":12}}],
             "outputs":[{"name":"latent","parameters":{"binary_data":false}},{"name":"reconstruction"}]}
            """#
        let (body, length) = binaryBody(json, floats: [1, 2, 3, 4, 5])
        let request = try OIPInferRequest.parse(body: body, headerLengths: [length])
        #expect(request.id == "7")
        #expect(request.binaryDataOutput)
        #expect(request.inputs == [OIPInputTensor(name: "a", shape: [1, 2], values: [1, 2]),
                                   OIPInputTensor(name: "b", shape: [3], values: [3, 4, 5])])
        #expect(request.outputs == [OIPRequestedOutput(name: "latent", binaryData: false),
                                    OIPRequestedOutput(name: "reconstruction", binaryData: nil)])
    }

    /// JSON data may be flat or nested, and arrive before the datatype and shape.
    @Test func jsonDataFlatOrNested() throws {
        for data in ["[1,2,3,4]", "[[1,2],[3,4]]"] {
            let json = #"{"inputs":[{"data":\#(data),"name":"input","shape":[2,2],"datatype":"FP32"}]}"#
            let request = try OIPInferRequest.parse(body: Array(json.utf8), headerLengths: [])
            #expect(request.inputs[0].values == [1, 2, 3, 4])
            #expect(request.outputs == nil)
        }
        // With the header field equal to the body length the whole body is JSON.
        let json = #"{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[0.5]}]}"#
        #expect(try OIPInferRequest.parse(body: Array(json.utf8), headerLengths: ["\(json.utf8.count)"]).inputs[0].values == [0.5])
    }

    static let input = #"{"name":"input","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}"#

    /// Each malformed request, the bytes after its JSON header, and what the 400 must name.
    static let malformed: [(name: String, json: String, floats: [Float], extra: [UInt8], header: [String]?, message: String)] = [
        ("header length past the body", #"{"inputs":[\#(input)]}"#, [1, 2], [], ["9999"],
         "Inference-Header-Content-Length 9999 is past the end of the body"),
        ("header length not a number", #"{"inputs":[\#(input)]}"#, [1, 2], [], ["-5"], "'-5' is not a byte count"),
        ("header length overflows", #"{"inputs":[\#(input)]}"#, [1, 2], [], ["99999999999999999999999"], "is not a byte count"),
        ("header length repeated differently", #"{"inputs":[\#(input)]}"#, [1, 2], [], ["40", "41"], "repeated with different values"),
        ("header length cuts the JSON", #"{"inputs":[\#(input)]}"#, [1, 2], [], ["10"], "invalid inference request header"),
        ("binary body shorter than the sizes", #"{"inputs":[\#(input)]}"#, [1], [], nil,
         "binary inputs need 8 bytes after the JSON header; the body has 4"),
        ("trailing bytes after the binary inputs", #"{"inputs":[\#(input)]}"#, [1, 2], [0xFF], nil,
         "trailing bytes: 1 bytes follow"),
        ("trailing bytes with JSON inputs", #"{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}"#, [], [1, 2], nil,
         "trailing bytes: 2 bytes"),
        ("binary size does not match the shape",
         #"{"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#, [1, 2], [], nil,
         "binary_data_size 8 does not match shape [2, 2] of FP32 (16 bytes)"),
        ("shape overflows",
         #"{"inputs":[{"name":"input","shape":[4611686018427387904,4],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#,
         [1, 2], [], nil, "shape [4611686018427387904, 4] is too large"),
        ("size times four overflows",
         #"{"inputs":[{"name":"input","shape":[4611686018427387904],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#,
         [1, 2], [], nil, "(too many bytes)"),
        ("negative dimension",
         #"{"inputs":[{"name":"input","shape":[-1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#, [1, 2], [], nil,
         "negative dimension"),
        ("negative binary size",
         #"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":-8}}]}"#, [1, 2], [], nil,
         "binary_data_size must be a byte count"),
        ("sizes of two inputs exceed the body",
         #"{"inputs":[\#(input),{"name":"b","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#, [1, 2, 3], [], nil,
         "binary inputs need 16 bytes"),
        ("BYTES", #"{"inputs":[{"name":"s","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":5}}]}"#, [], [1, 0, 0, 0, 65], nil,
         "datatype BYTES (variable-length strings) is not served"),
        ("a datatype not served", #"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP64","parameters":{"binary_data_size":16}}]}"#,
         [1, 2, 3, 4], [], nil, "datatype FP64 is not served; aeserve takes FP32"),
        ("an unknown datatype", #"{"inputs":[{"name":"input","shape":[1],"datatype":"FP33","data":[1]}]}"#, [], [], nil,
         "unknown datatype 'FP33'"),
        ("binary size without the header field", #"{"inputs":[\#(input)]}"#, [], [], [],
         "has binary_data_size but the request has no Inference-Header-Content-Length"),
        ("both data and binary size",
         #"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,2],"parameters":{"binary_data_size":8}}]}"#,
         [1, 2], [], nil, "has both data and parameters.binary_data_size"),
        ("neither data nor binary size", #"{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32"}]}"#, [], [], nil,
         "has neither data nor parameters.binary_data_size"),
        ("a non-finite binary value", #"{"inputs":[\#(input)]}"#, [1, .nan], [], nil, "is not finite"),
        ("data count does not match the shape", #"{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3]}]}"#, [], [], nil,
         "data has 3 values; shape [2, 2] needs 4"),
        ("data is not numbers", #"{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":["a"]}]}"#, [], [], nil,
         "input 'x' data:"),
        ("no inputs", #"{"outputs":[]}"#, [], [], nil, "the request needs \"inputs\""),
        ("empty inputs", #"{"inputs":[]}"#, [], [], nil, "the request needs \"inputs\""),
        ("an input twice", #"{"inputs":[\#(input),\#(input)]}"#, [1, 2, 3, 4], [], nil, "input 'input' appears twice"),
        ("an output twice", #"{"inputs":[\#(input)],"outputs":[{"name":"a"},{"name":"a"}]}"#, [1, 2], [], nil,
         "output 'a' is asked for twice"),
        ("an input without a name", #"{"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]}"#, [], [], nil, "needs \"name\""),
        ("not JSON", "inputs", [], [], nil, "invalid inference request header"),
    ]

    /// Every inconsistency is a 400 naming it; nothing crashes or reads past the body.
    @Test(arguments: malformed.indices) func malformedRequestIsRefused(_ index: Int) {
        let c = Self.malformed[index]
        let (body, length) = binaryBody(c.json, floats: c.floats, extra: c.extra)
        do {
            let request = try OIPInferRequest.parse(body: body, headerLengths: c.header ?? [length])
            Issue.record("\(c.name): accepted as \(request)")
        } catch {
            #expect(error.status == 400, "\(c.name)")
            #expect(error.message.contains(c.message), "\(c.name): message \"\(error.message)\" does not mention \"\(c.message)\"")
        }
    }

    /// Binary outputs follow the JSON header in order, and the header's length is given.
    @Test func responseAppendsBinaryOutputs() throws {
        let response = try OIPInferResponse(model: "m", version: 2, id: "q", outputs: [
            OIPOutputTensor(name: "a", shape: [1, 2], values: [1, 2], binary: true),
            OIPOutputTensor(name: "b", shape: [1], values: [0.5], binary: false),
            OIPOutputTensor(name: "c", shape: [1], values: [3], binary: true),
        ])
        let length = try #require(response.headerLength)
        let json = String(decoding: response.body[..<length], as: UTF8.self)
        #expect(json == #"{"model_name":"m","model_version":"2","id":"q","outputs":[{"name":"a","datatype":"FP32","shape":[1,2],"parameters":{"binary_data_size":8}},{"name":"b","datatype":"FP32","shape":[1],"data":[0.5]},{"name":"c","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]}"#)
        let tail = Array(response.body[length...])
        #expect(tail == binaryBody("", floats: [1, 2, 3]).body)
        #expect(throws: OIPError.self) {
            try OIPInferResponse(model: "m", version: 1, id: nil, outputs: [OIPOutputTensor(name: "a", shape: [1], values: [.infinity], binary: true)])
        }
    }
}

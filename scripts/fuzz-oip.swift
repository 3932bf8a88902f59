// libFuzzer target for the OIP infer-request parser and response writer (built by
// scripts/fuzz-oip.sh with Sources/AEService/OpenInference/Infer*.swift over AEJSON). An
// input is `<Inference-Header-Content-Length value or empty>\n<body>`; the parser must refuse
// with a 400 or return tensors that fill their shapes, and never crash, leak or read past the body.
import AEJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInferRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let newline = bytes.firstIndex(of: 0x0A) ?? -1
    let headerValue = newline > 0 ? String(decoding: bytes[..<newline], as: UTF8.self) : nil
    // Copied into an array of its own so that AddressSanitizer sees any read past the body.
    let body = Array(bytes[(newline + 1)...])
    do {
        let request = try OIPInferRequest.parse(body: body, headerLengths: headerValue.map { [$0] } ?? [])
        var outputs: [OIPOutputTensor] = []
        for (i, input) in request.inputs.enumerated() {
            precondition(input.values.count == input.shape.reduce(1, *), "values do not fill the shape")
            precondition(input.values.allSatisfy(\.isFinite), "a non-finite value passed")
            outputs.append(OIPOutputTensor(name: input.name, shape: input.shape, values: input.values, binary: i % 2 == 0))
        }
        let response = try OIPInferResponse(model: "m", version: 1, id: request.id, outputs: outputs)
        precondition((response.headerLength ?? 0) <= response.body.count)
    } catch {
        precondition(error.status == 400 && !error.message.isEmpty, "unexpected error \(error)")
    }
    return 0
}

// libFuzzer target: any bytes as the body of a native inference route, through the parser each
// route uses. Each input must be refused with a 4xx naming what is wrong, or give rows that fill
// their shape with finite values within the batch limit; never a crash or a 5xx.
@testable import AEService

private let forms = [("vectors", "vector"), ("latents", "latent")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInference(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    for (batchKey, singleKey) in forms {
        do {
            let request = try InferenceRequest.parse(body, batchKey: batchKey, singleKey: singleKey, limit: 1024)
            precondition(request.rows.rowCount >= 1 && request.rows.rowCount <= 1024)
            precondition(request.rows.values.count == request.rows.rowCount * request.rows.columnCount)
            precondition(request.rows.values.allSatisfy(\.isFinite), "a non-finite value passed")
            if let version = request.version { precondition(version >= 1) }
        } catch {
            precondition((400..<500).contains(error.status) && !error.message.isEmpty, "unexpected \(error)")
        }
    }
    return 0
}

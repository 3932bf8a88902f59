// libFuzzer target for the HTTP request parser (built by scripts/fuzz-http.sh together with
// Sources/HTTPServer/Protocol). Each input is framed whole, byte by byte and in pieces of a
// size taken from the input; all three must agree, and nothing may crash or leak.

enum Outcome: Equatable {
    case request(String, String, Int)
    case error(HTTPParseError)
}

func frame(_ bytes: [UInt8], pieceSize: Int, limits: RequestLimits) -> [Outcome] {
    var framer = RequestFramer(limits: limits)
    var pending: [UInt8] = []
    var outcomes: [Outcome] = []
    var head: RequestHead?
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + pieceSize)
        pending += bytes[offset ..< end]
        offset = end
        loop: while true {
            let (event, consumed) = pending.withUnsafeBytes { framer.next($0) }
            precondition(consumed <= pending.count, "consumed more than given")
            pending.removeFirst(consumed)
            switch event {
            case .needMore:
                break loop
            case .invalid(let error):
                outcomes.append(.error(error))
                return outcomes
            case .head(let h):
                if h.framing == .none { outcomes.append(.request(h.method.rawValue, h.target, 0)) } else { head = h }
            case .body(let body):
                outcomes.append(.request(head!.method.rawValue, head!.target, body.count))
            }
        }
    }
    return outcomes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits so that the limit paths are reached often.
    let limits = RequestLimits(maxRequestLineLength: 256, maxHeaderBlockSize: 512, maxHeaderCount: 16,
                               maxBodySize: 4096, maxInflatedBodySize: 8192, maxChunkLineLength: 128)
    let whole = frame(bytes, pieceSize: max(1, bytes.count), limits: limits)
    let single = frame(bytes, pieceSize: 1, limits: limits)
    let pieces = frame(bytes, pieceSize: 1 + Int(bytes.first ?? 0) % 13, limits: limits)
    precondition(whole == single && whole == pieces, "framing differs by piece size: \(whole) \(single) \(pieces)")
    if let error = whole.last, case .error(let e) = error {
        precondition((400 ... 505).contains(e.status))
    }
    // The request-body inflater (gzip or zlib) with its output limit, on the same bytes.
    _ = try? ContentCoding.inflate(bytes, limit: 8192)
    return 0
}

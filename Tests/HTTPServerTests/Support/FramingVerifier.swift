// Runs the framer over bytes the way a connection would, in pieces of a chosen size, so
// a case can be checked whole, byte by byte, and back to back with a valid request.
@testable import HTTPServer

/// One thing the framer found in a byte stream.
enum FramedOutcome: Equatable, CustomStringConvertible {
    case request(method: String, target: String, body: [UInt8])
    case error(HTTPParseError)

    var description: String {
        switch self {
        case .request(let m, let t, let b): return "\(m) \(t) (\(b.count) body bytes)"
        case .error(let e): return "error \(e) (\(e.status))"
        }
    }
}

enum FramingVerifier {
    /// Everything the framer finds in `bytes` delivered `pieceSize` bytes at a time; stops at the first error.
    static func frame(_ bytes: [UInt8], pieceSize: Int = .max, limits: RequestLimits = RequestLimits())
        -> [FramedOutcome] {
        var framer = RequestFramer(limits: limits)
        var pending: [UInt8] = []
        var outcomes: [FramedOutcome] = []
        var head: RequestHead?
        var offset = 0
        while offset < bytes.count {
            let end = pieceSize >= bytes.count - offset ? bytes.count : offset + pieceSize
            pending += bytes[offset ..< end]
            offset = end
            while true {
                let (event, consumed) = pending.withUnsafeBytes { framer.next($0) }
                pending.removeFirst(consumed)
                switch event {
                case .needMore:
                    break
                case .invalid(let error):
                    outcomes.append(.error(error))
                    return outcomes
                case .head(let h):
                    if h.framing == .none {
                        outcomes.append(.request(method: h.method.rawValue, target: h.target, body: []))
                    } else {
                        head = h
                    }
                    continue
                case .body(let body):
                    outcomes.append(.request(method: head!.method.rawValue, target: head!.target, body: body))
                    continue
                }
                break
            }
        }
        return outcomes
    }
}

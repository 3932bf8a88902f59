// Head parser and body decoders joined into one pure reader of a request stream: it says
// where each request's head and body end, and nothing else.

/// Splits a byte stream into requests: a head, then its body, then the next head.
///
/// Feed it the unconsumed bytes; drop `consumed` bytes after each call. After `.head` the
/// caller may pause (to answer `Expect: 100-continue`) before asking for the body.
public struct RequestFramer: Sendable {
    /// What one call found.
    public enum Event: Equatable, Sendable {
        /// A request head; a `.body` event follows unless its framing is `.none`.
        case head(RequestHead)
        /// The current request's whole body (as sent; not inflated).
        case body([UInt8])
        /// Nothing more can be said without more bytes.
        case needMore
        /// The stream is refused; answer `error.status` and close.
        case invalid(HTTPParseError)
    }

    private enum State: Sendable {
        case head
        case length(Int)
        case chunked(ChunkedBodyDecoder)
        case failed(HTTPParseError)
    }

    public let limits: RequestLimits
    private var parser: RequestHeadParser
    private var state: State = .head
    private var body: [UInt8] = []

    public init(limits: RequestLimits) {
        self.limits = limits
        self.parser = RequestHeadParser(limits: limits)
    }

    /// Whether the framer is between requests or inside a head (not inside a body).
    public var isReadingHead: Bool { if case .head = state { return true } else { return false } }

    /// Reads from `input`; returns what it found and how many bytes of `input` it used.
    public mutating func next(_ input: UnsafeRawBufferPointer) -> (event: Event, consumed: Int) {
        switch state {
        case .failed(let error):
            return (.invalid(error), 0)
        case .head:
            switch parser.parse(input) {
            case .needMore:
                return (.needMore, 0)
            case .invalid(let error):
                state = .failed(error)
                return (.invalid(error), 0)
            case .complete(let head, let consumed):
                switch head.framing {
                case .none: break  // the request is complete; the next bytes are a new head
                case .contentLength(let n):
                    state = .length(n)
                    body.reserveCapacity(Swift.min(n, 1 << 20))
                case .chunked: state = .chunked(ChunkedBodyDecoder(limits: limits))
                }
                return (.head(head), consumed)
            }
        case .length(let left):
            let take = Swift.min(left, input.count)
            if take > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0 ..< take])) }
            if take == left {
                state = .head
                defer { body = [] }
                return (.body(body), take)
            }
            state = .length(left - take)
            return (.needMore, take)
        case .chunked(var decoder):
            let (result, consumed) = decoder.decode(input, into: &body)
            switch result {
            case .needMore:
                state = .chunked(decoder)
                return (.needMore, consumed)
            case .complete:
                state = .head
                defer { body = [] }
                return (.body(body), consumed)
            case .invalid(let error):
                state = .failed(error)
                return (.invalid(error), consumed)
            }
        }
    }

    /// How many body bytes are still expected for a Content-Length body (0 otherwise).
    public var remainingLength: Int { if case .length(let n) = state { return n } else { return 0 } }
}

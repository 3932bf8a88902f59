// Head parser and body decoders joined into one pure reader of a request stream: it says
// where each request's head and body end, and nothing else.

/// Splits a byte stream into requests: a head, then its body, then the next head.
///
/// Feed it the unconsumed bytes; drop `consumed` bytes after each call. After `.head` the
/// caller may pause (to answer `Expect: 100-continue`) before asking for the body, may give the
/// body its own limit (`limitBody`), and may take it in parts (`nextBodyPart`) instead of whole.
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

    /// What one `nextBodyPart` call found.
    public enum BodyPart: Equatable, Sendable {
        /// Body bytes as sent (not inflated; never empty unless `last`), and whether the body
        /// ends with them; bytes after them belong to the next request.
        case part([UInt8], last: Bool)
        /// No body byte without more input.
        case needMore
        /// The body is refused; answer `error.status` and close.
        case invalid(HTTPParseError)
    }

    public let limits: RequestLimits
    private var parser: RequestHeadParser
    private var state: State = .head
    private var body: [UInt8] = []

    /// A framer held to `limits`; a declared length over `largestBody` (default: the limits'
    /// `maxBodySize`) is refused with the head, before any route could take it.
    public init(limits: RequestLimits, largestBody: Int? = nil) {
        self.limits = limits
        var headLimits = limits
        headLimits.maxBodySize = max(limits.maxBodySize, largestBody ?? 0)
        self.parser = RequestHeadParser(limits: headLimits)
    }

    /// Holds the body of the head just read to `limit` bytes, refusing a declared length over
    /// it. Call it after `.head`, before the body's bytes.
    public mutating func limitBody(to limit: Int) -> HTTPParseError? {
        switch state {
        case .length(let length) where length > limit:
            state = .failed(.bodyTooLarge)
            return .bodyTooLarge
        case .chunked:
            var bodyLimits = limits
            bodyLimits.maxBodySize = limit
            state = .chunked(ChunkedBodyDecoder(limits: bodyLimits))
        default:
            break
        }
        return nil
    }

    /// Reads the next part of the current body from `input`: what arrived of it so far, rather
    /// than all of it (`next` gives the whole body). Returns what it found and the bytes it used.
    public mutating func nextBodyPart(_ input: UnsafeRawBufferPointer) -> (event: BodyPart, consumed: Int) {
        switch state {
        case .failed(let error):
            return (.invalid(error), 0)
        case .head:
            return (.part([], last: true), 0)  // no body, or it has ended
        case .length(let left):
            let take = Swift.min(left, input.count)
            guard take > 0 else { return (.needMore, 0) }
            state = take == left ? .head : .length(left - take)
            return (.part(Array(UnsafeRawBufferPointer(rebasing: input[0 ..< take])), last: take == left), take)
        case .chunked(var decoder):
            var part: [UInt8] = []
            let (result, consumed) = decoder.decode(input, into: &part)
            switch result {
            case .needMore:
                state = .chunked(decoder)
                return (part.isEmpty ? .needMore : .part(part, last: false), consumed)
            case .complete:
                state = .head
                return (.part(part, last: true), consumed)
            case .invalid(let error):
                state = .failed(error)
                return (.invalid(error), consumed)
            }
        }
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
                case .chunked: state = .chunked(ChunkedBodyDecoder(limits: limits))
                }
                return (.head(head), consumed)
            }
        case .length(let left):
            let take = Swift.min(left, input.count)
            if take > 0 {
                if body.isEmpty { body.reserveCapacity(Swift.min(left, 1 << 20)) }
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0 ..< take]))
            }
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

// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally: each call consumes
// all the bytes it is given and appends chunk data to the body.

/// Decodes a chunked body as its bytes arrive, holding it to the body and line limits.
///
/// ```swift
/// var decoder = ChunkedBodyDecoder(limits: RequestLimits())
/// var body: [UInt8] = []
/// let (result, consumed) = decoder.decode(bytes, into: &body)
/// ```
public struct ChunkedBodyDecoder: Sendable {
    /// The outcome of one `decode` call.
    public enum Result: Equatable, Sendable {
        /// Every given byte was used; the body continues.
        case needMore
        /// The last chunk and trailer section ended; bytes after `consumed` are the next request.
        case complete
        /// The body is refused.
        case invalid(HTTPParseError)
    }

    private enum State: Sendable {
        case size               // chunk-size digits
        case extensions         // after the size, up to CRLF
        case sizeLF             // CR seen after the size line
        case data(Int)          // bytes of chunk data left
        case dataCR             // CRLF after chunk data
        case dataLF
        case trailerLineStart   // start of a trailer line (or the final CRLF)
        case trailerLine        // inside a trailer field line
        case trailerLF          // CR seen at the end of a trailer line
        case finalLF            // CR of the blank line that ends the body
        case done
    }

    public let limits: RequestLimits
    private var state: State = .size
    private var chunkSize = 0
    private var sizeDigits = 0
    private var lineLength = 0
    private var trailerBytes = 0
    private var extensionState = ExtensionScanner()
    private var trailerLine: [UInt8] = []
    private var bodyLength = 0

    public init(limits: RequestLimits) { self.limits = limits }

    /// Decodes from `input`, appending data to `body`; returns the result and the bytes used.
    public mutating func decode(_ input: UnsafeRawBufferPointer, into body: inout [UInt8])
        -> (result: Result, consumed: Int) {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            switch state {
            case .size:
                if let digit = ByteClass.hexValue(b) {
                    sizeDigits += 1
                    // 15 hex digits keep the size under 2^60; more is an overflow.
                    guard sizeDigits <= 15 else { return (.invalid(.chunkSizeOverflow), i) }
                    chunkSize = chunkSize << 4 | digit
                } else if sizeDigits == 0 {
                    return (.invalid(.invalidChunkSize), i)
                } else if b == ByteClass.cr {
                    state = .sizeLF
                } else if b == UInt8(ascii: ";") || ByteClass.isWhitespace(b) {
                    // RFC 9112 §7.1.1: BWS may precede the ";" of an extension.
                    extensionState = ExtensionScanner()
                    guard extensionState.feed(b) else { return (.invalid(.invalidChunkExtension), i) }
                    state = .extensions
                } else {
                    return (.invalid(.invalidChunkSize), i)
                }
                lineLength += 1
            case .extensions:
                if b == ByteClass.cr {
                    guard extensionState.isComplete else { return (.invalid(.invalidChunkExtension), i) }
                    state = .sizeLF
                } else if !extensionState.feed(b) {
                    return (.invalid(.invalidChunkExtension), i)
                }
                lineLength += 1
            case .sizeLF:
                guard b == ByteClass.lf else { return (.invalid(.bareCarriageReturn), i) }
                if bodyLength + chunkSize > limits.maxBodySize { return (.invalid(.bodyTooLarge), i) }
                state = chunkSize == 0 ? .trailerLineStart : .data(chunkSize)
                chunkSize = 0; sizeDigits = 0; lineLength = 0
            case .data(let left):
                let take = min(left, n - i)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i ..< i + take]))
                bodyLength += take
                i += take
                state = left == take ? .dataCR : .data(left - take)
                continue
            case .dataCR:
                guard b == ByteClass.cr else { return (.invalid(.invalidChunkTerminator), i) }
                state = .dataLF
            case .dataLF:
                guard b == ByteClass.lf else { return (.invalid(.invalidChunkTerminator), i) }
                state = .size
            case .trailerLineStart:
                if b == ByteClass.cr {
                    state = .finalLF
                } else {
                    trailerLine = [b]
                    state = .trailerLine
                }
                trailerBytes += 1
            case .trailerLine:
                if b == ByteClass.cr { state = .trailerLF } else { trailerLine.append(b) }
                trailerBytes += 1
            case .trailerLF:
                guard b == ByteClass.lf else { return (.invalid(.bareCarriageReturn), i) }
                // RFC 9112 §7.1.2: trailer fields have field-line syntax; we check and drop them.
                var ignored = HTTPHeaders()
                var facts = FieldFacts()
                let error = trailerLine.withUnsafeBytes {
                    RequestHeadParser.parseField($0, version: .http1_1, into: &ignored, facts: &facts)
                }
                if error != nil { return (.invalid(.invalidTrailer), i) }
                trailerLine = []
                state = .trailerLineStart
                trailerBytes += 1
            case .finalLF:
                guard b == ByteClass.lf else { return (.invalid(.bareCarriageReturn), i) }
                state = .done
                return (.complete, i + 1)
            case .done:
                return (.complete, i)
            }
            if lineLength > limits.maxChunkLineLength || trailerBytes > limits.maxHeaderBlockSize {
                return (.invalid(.chunkLineTooLong), i)
            }
            if case .trailerLine = state, b == ByteClass.lf { return (.invalid(.bareLineFeed), i) }
            i += 1
        }
        if case .done = state { return (.complete, n) }
        return (.needMore, n)
    }
}

/// Checks `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )` one byte at a time
/// (RFC 9112 §7.1.1), where a value is a token or a quoted-string.
struct ExtensionScanner: Sendable {
    private enum Phase: Sendable {
        case beforeSemicolon, beforeName, name, afterName, beforeValue, token, quoted, quotedEscape, afterQuoted
    }
    private var phase: Phase = .beforeSemicolon

    /// Whether the extension text so far can end here.
    var isComplete: Bool {
        switch phase {
        case .name, .afterName, .token, .afterQuoted: return true
        default: return false
        }
    }

    /// Takes one byte; false when it cannot continue a valid extension list.
    mutating func feed(_ b: UInt8) -> Bool {
        let semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\"")
        switch phase {
        case .beforeSemicolon:
            if b == semicolon { phase = .beforeName; return true }
            return ByteClass.isWhitespace(b)
        case .beforeName:
            if ByteClass.isToken(b) { phase = .name; return true }
            return ByteClass.isWhitespace(b)
        case .name, .afterName:
            if ByteClass.isToken(b) && phase == .name { return true }
            if ByteClass.isWhitespace(b) { phase = .afterName; return true }
            if b == equals { phase = .beforeValue; return true }
            if b == semicolon { phase = .beforeName; return true }
            return false
        case .beforeValue:
            if ByteClass.isToken(b) { phase = .token; return true }
            if b == quote { phase = .quoted; return true }
            return ByteClass.isWhitespace(b)
        case .token, .afterQuoted:
            if ByteClass.isToken(b) && phase == .token { return true }
            if ByteClass.isWhitespace(b) { phase = .afterQuoted; return true }
            if b == semicolon { phase = .beforeName; return true }
            return false
        case .quoted:
            if b == quote { phase = .afterQuoted; return true }
            if b == UInt8(ascii: "\\") { phase = .quotedEscape; return true }
            // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
            return ByteClass.isFieldValue(b)
        case .quotedEscape:
            phase = .quoted
            return ByteClass.isFieldValue(b)
        }
    }
}

// Everything that can be wrong with a request's bytes, and the one table that maps each
// problem to the status the server answers with (always followed by closing the connection).

/// A request the server refuses to read further; `status` is the answer it gets.
public enum HTTPParseError: Error, Equatable, Hashable, Sendable, CaseIterable {
    /// The request line is longer than the configured limit.
    case requestLineTooLong
    /// The header block is longer than the configured limit.
    case headerBlockTooLarge
    /// The header block has more fields than the configured limit.
    case tooManyHeaderFields
    /// The body (declared, decoded or inflated) is larger than the configured limit.
    case bodyTooLarge
    /// The request line is not `method SP request-target SP HTTP-version`.
    case invalidRequestLine
    /// The method is not a token.
    case invalidMethod
    /// The request target has characters or a form that HTTP/1.1 does not allow.
    case invalidTarget
    /// The version is not `HTTP/DIGIT.DIGIT`.
    case invalidVersion
    /// The version is well formed but not HTTP/1.x.
    case unsupportedVersion
    /// A line ends in LF without CR.
    case bareLineFeed
    /// A CR appears that is not followed by LF.
    case bareCarriageReturn
    /// A field name is empty or has a character that is not a token character.
    case invalidHeaderName
    /// Whitespace between a field name and its colon.
    case whitespaceBeforeColon
    /// A field line starts with whitespace (obsolete line folding).
    case obsoleteLineFolding
    /// A field value holds a control character.
    case invalidHeaderValue
    /// An HTTP/1.1 request without a Host field.
    case missingHost
    /// More than one Host field.
    case duplicateHost
    /// A Host value that is not a valid authority.
    case invalidHost
    /// A Content-Length that is not `1*DIGIT` or does not fit in 63 bits.
    case invalidContentLength
    /// Two Content-Length fields with different values.
    case conflictingContentLength
    /// Both Content-Length and Transfer-Encoding.
    case contentLengthWithTransferEncoding
    /// A Transfer-Encoding list whose last coding is not `chunked`, or that repeats `chunked`.
    case invalidTransferEncoding
    /// A Transfer-Encoding with a coding this server does not implement before `chunked`.
    case unsupportedTransferEncoding
    /// Transfer-Encoding in an HTTP/1.0 request.
    case transferEncodingInHTTP10
    /// A chunk size that is not hexadecimal.
    case invalidChunkSize
    /// A chunk size too large to represent.
    case chunkSizeOverflow
    /// A chunk extension that is not `;name[=value]`.
    case invalidChunkExtension
    /// Chunk data not followed by CRLF.
    case invalidChunkTerminator
    /// A chunk-size line or trailer section over its limit.
    case chunkLineTooLong
    /// A trailer field that is not a valid field line.
    case invalidTrailer
    /// An Expect value other than `100-continue`.
    case unsupportedExpectation
    /// A Content-Encoding other than gzip, deflate or identity.
    case unsupportedContentEncoding
    /// A gzip or deflate body that does not inflate.
    case invalidContentEncoding
    /// The header block did not arrive before the header read timeout.
    case headerTimeout
    /// The body did not arrive before the body read timeout.
    case bodyTimeout

    /// The status code the server answers with. This switch is the one table of statuses.
    public var status: Int {
        switch self {
        case .requestLineTooLong: return 414                       // RFC 9112 §3
        case .headerBlockTooLarge, .tooManyHeaderFields: return 431  // RFC 6585 §5
        case .bodyTooLarge: return 413                              // RFC 9110 §15.5.14
        case .unsupportedVersion: return 505                        // RFC 9110 §15.6.6
        case .unsupportedTransferEncoding: return 501               // RFC 9112 §6.1
        case .unsupportedExpectation: return 417                    // RFC 9110 §10.1.1
        case .unsupportedContentEncoding: return 415                // RFC 9110 §8.4.1
        case .headerTimeout, .bodyTimeout: return 408               // RFC 9110 §15.5.9
        case .invalidRequestLine, .invalidMethod, .invalidTarget, .invalidVersion,
             .bareLineFeed, .bareCarriageReturn, .invalidHeaderName, .whitespaceBeforeColon,
             .obsoleteLineFolding, .invalidHeaderValue, .missingHost, .duplicateHost,
             .invalidHost, .invalidContentLength, .conflictingContentLength,
             .contentLengthWithTransferEncoding, .invalidTransferEncoding,
             .transferEncodingInHTTP10, .invalidChunkSize, .chunkSizeOverflow,
             .invalidChunkExtension, .invalidChunkTerminator, .chunkLineTooLong,
             .invalidTrailer, .invalidContentEncoding:
            return 400
        }
    }

    /// A sentence for the response body that tells the client what to fix.
    public var message: String {
        switch self {
        case .requestLineTooLong: return "request line too long"
        case .headerBlockTooLarge: return "header block too large"
        case .tooManyHeaderFields: return "too many header fields"
        case .bodyTooLarge: return "request body too large"
        case .invalidRequestLine: return "malformed request line"
        case .invalidMethod: return "method is not a token"
        case .invalidTarget: return "invalid request target"
        case .invalidVersion: return "malformed HTTP version"
        case .unsupportedVersion: return "only HTTP/1.0 and HTTP/1.1 are supported"
        case .bareLineFeed: return "line ends in LF without CR"
        case .bareCarriageReturn: return "CR not followed by LF"
        case .invalidHeaderName: return "invalid header field name"
        case .whitespaceBeforeColon: return "whitespace between field name and colon"
        case .obsoleteLineFolding: return "obsolete line folding is not accepted"
        case .invalidHeaderValue: return "control character in header field value"
        case .missingHost: return "HTTP/1.1 request without Host"
        case .duplicateHost: return "more than one Host field"
        case .invalidHost: return "invalid Host value"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length fields"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .invalidTransferEncoding: return "Transfer-Encoding must end in chunked, once"
        case .unsupportedTransferEncoding: return "only the chunked transfer coding is supported"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in an HTTP/1.0 request"
        case .invalidChunkSize: return "invalid chunk size"
        case .chunkSizeOverflow: return "chunk size too large"
        case .invalidChunkExtension: return "invalid chunk extension"
        case .invalidChunkTerminator: return "chunk data not followed by CRLF"
        case .chunkLineTooLong: return "chunk line or trailer section too long"
        case .invalidTrailer: return "invalid trailer field"
        case .unsupportedExpectation: return "only Expect: 100-continue is supported"
        case .unsupportedContentEncoding: return "only gzip, deflate and identity content codings are supported"
        case .invalidContentEncoding: return "request body is not valid gzip or deflate data"
        case .headerTimeout: return "request header not received in time"
        case .bodyTimeout: return "request body not received in time"
        }
    }
}

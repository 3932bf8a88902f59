// The request-head parser: pure and incremental. Bytes in; a checked head, "need more", or
// the reason the request is refused out. No I/O, no clock, no globals; limits are arguments.
import Glibc

/// Parses a request line and header block (RFC 9112 §2–§6) from a buffer that grows between calls.
///
/// Call `parse` with every byte received since the head began; on `.needMore`, call again with
/// the same bytes plus what arrived since. Line ends must be CRLF: a bare LF or bare CR is an
/// error rather than a line end, so that no two parsers can split this request differently.
///
/// ```swift
/// var parser = RequestHeadParser(limits: RequestLimits())
/// switch parser.parse(bytes) {
/// case .complete(let head, let consumed): …   // body (if any) starts at bytes[consumed]
/// case .needMore: …                            // read more and call again
/// case .invalid(let error): …                  // answer error.status and close
/// }
/// ```
public struct RequestHeadParser: Sendable {
    /// The outcome of one `parse` call.
    public enum Result: Equatable, Sendable {
        /// A whole head; `consumed` bytes (including the blank line) belong to it.
        case complete(RequestHead, consumed: Int)
        /// No full head yet and nothing wrong so far.
        case needMore
        /// The request is refused; answer `error.status` and close.
        case invalid(HTTPParseError)
    }

    /// The limits the head is held to.
    public let limits: RequestLimits

    // Resume state over the growing buffer: everything before `scanned` has been split into
    // lines and checked against the limits.
    private var scanned = 0
    private var lineStart = 0
    private var requestLineStart = 0
    private var headerStart = -1
    private var fieldCount = 0
    // How far the request line has been checked as it arrives, and which part it is in.
    private var lineChecked = 0
    private var linePart = LinePart.method
    private var targetStart = 0

    private enum LinePart { case method, target, version }

    /// A parser at the start of a request.
    public init(limits: RequestLimits) { self.limits = limits }

    /// Forgets a partial head so the next call starts a new request.
    public mutating func reset() {
        scanned = 0; lineStart = 0; requestLineStart = 0; headerStart = -1; fieldCount = 0
        lineChecked = 0; linePart = .method; targetStart = 0
    }

    /// Parses `buffer`, which starts at the first byte of the request.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> Result {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return .needMore }
        var i = scanned
        while i < count {
            guard let found = memchr(base + i, Int32(ByteClass.lf), count - i) else { break }
            let lf = base.distance(to: UnsafeRawPointer(found))
            // The bytes before this LF are judged first, as they would be had they come alone:
            // the answer must not depend on how the bytes were split into reads.
            if let error = partialLineError(base, count: lf) { reset(); return .invalid(error) }
            // RFC 9112 §2.2: a bare LF is not taken as a line end here (see the type's note).
            guard lf > lineStart, buffer[lf - 1] == ByteClass.cr else {
                reset()
                return .invalid(.bareLineFeed)
            }
            let cr = lf - 1
            if headerStart < 0 {
                if cr == lineStart {
                    // RFC 9112 §2.2: ignore an empty line or two before the request line.
                    guard lineStart < 4 else { reset(); return .invalid(.invalidRequestLine) }
                    requestLineStart = lf + 1
                } else {
                    guard cr - lineStart <= limits.maxRequestLineLength else {
                        reset(); return .invalid(.requestLineTooLong)
                    }
                    headerStart = lf + 1
                }
            } else if cr == lineStart {
                let result = finish(buffer, end: lf + 1)
                reset()
                return result
            } else {
                fieldCount += 1
                guard fieldCount <= limits.maxHeaderCount else {
                    reset(); return .invalid(.tooManyHeaderFields)
                }
                guard lf + 1 - headerStart <= limits.maxHeaderBlockSize else {
                    reset(); return .invalid(.headerBlockTooLarge)
                }
            }
            lineStart = lf + 1
            i = lf + 1
        }
        scanned = count
        if let error = partialLineError(base, count: count) { reset(); return .invalid(error) }
        return .needMore
    }

    /// What an unfinished line of `count` buffered bytes already breaks, if anything: a limit,
    /// or (for the request line) the syntax of the bytes so far.
    private mutating func partialLineError(_ base: UnsafeRawPointer, count: Int) -> HTTPParseError? {
        if headerStart < 0 {
            if let error = requestLineError(base, count: count) { return error }
            // One more byte than the limit is allowed for a CR whose LF has not come yet.
            return count - requestLineStart > limits.maxRequestLineLength + 1 ? .requestLineTooLong : nil
        }
        return count - headerStart > limits.maxHeaderBlockSize ? .headerBlockTooLarge : nil
    }

    /// Checks the request line's method and target as their bytes arrive (RFC 9112 §3), so that
    /// bytes that cannot begin a request — a TLS ClientHello on the plain port, binary junk —
    /// are refused at once instead of at the header timeout. It reports the first error
    /// `parseRequestLine` would report for the whole line, and looks no further than the
    /// length limit does, so the outcome never depends on how the bytes were split.
    private mutating func requestLineError(_ base: UnsafeRawPointer, count: Int) -> HTTPParseError? {
        let end = Swift.min(count, requestLineStart + limits.maxRequestLineLength + 2)
        var j = Swift.max(lineChecked, requestLineStart)
        defer { lineChecked = j }
        while j < end {
            let b = base.load(fromByteOffset: j, as: UInt8.self)
            if b == ByteClass.cr {
                guard j + 1 < count else { return nil }  // its LF may be next
                if base.load(fromByteOffset: j + 1, as: UInt8.self) != ByteClass.lf { return .bareCarriageReturn }
                return nil  // the line is complete: parseRequestLine judges the rest
            }
            switch linePart {
            case .method:
                if b == ByteClass.space {
                    if j == requestLineStart { return .invalidMethod }
                    linePart = .target
                    targetStart = j + 1
                } else if !ByteClass.isToken(b) {
                    return .invalidMethod
                }
            case .target:
                if b == ByteClass.space {
                    if j == targetStart { return .invalidRequestLine }
                    linePart = .version
                } else if b <= ByteClass.space || b >= 0x7F {
                    return .invalidTarget
                }
            case .version:
                return nil  // judged whole: a later CR would change which error it is
            }
            j += 1
        }
        return nil
    }

    // MARK: - The complete head

    /// Interprets the head that ends (after its blank line) at `end`.
    private func finish(_ buffer: UnsafeRawBufferPointer, end: Int) -> Result {
        let line = UnsafeRawBufferPointer(rebasing: buffer[requestLineStart ..< headerStart - 2])
        let method: HTTPMethod, target: String, version: HTTPVersion
        switch Self.parseRequestLine(line) {
        case .success(let parts): (method, target, version) = parts
        case .failure(let error): return .invalid(error)
        }

        var headers = HTTPHeaders()
        var facts = FieldFacts()
        var start = headerStart
        while start < end - 2 {
            var cr = start
            while buffer[cr] != ByteClass.lf { cr += 1 }
            cr -= 1
            let fieldLine = UnsafeRawBufferPointer(rebasing: buffer[start ..< cr])
            if let error = Self.parseField(fieldLine, version: version, into: &headers, facts: &facts) {
                return .invalid(error)
            }
            start = cr + 2
        }
        switch facts.conclude(version: version, limits: limits) {
        case .failure(let error):
            return .invalid(error)
        case .success(let framing):
            let head = RequestHead(
                method: method, target: target, version: version, headers: headers,
                framing: framing,
                keepAlive: version == .http1_1 ? !facts.connectionClose
                    : facts.connectionKeepAlive && !facts.connectionClose,
                expectsContinue: facts.expectsContinue && framing != .none,
                gzipBody: facts.gzipBody)
            return .complete(head, consumed: end)
        }
    }

    /// Splits `method SP request-target SP HTTP-version` (RFC 9112 §3), exactly one space apart.
    static func parseRequestLine(_ line: UnsafeRawBufferPointer)
        -> Swift.Result<(HTTPMethod, String, HTTPVersion), HTTPParseError> {
        var i = 0
        while i < line.count, ByteClass.isToken(line[i]) { i += 1 }
        guard i < line.count, i > 0, line[i] == ByteClass.space else {
            if i < line.count, line[i] == ByteClass.cr { return .failure(.bareCarriageReturn) }
            return .failure(i == 0 || (i < line.count && line[i] != ByteClass.space)
                ? .invalidMethod : .invalidRequestLine)
        }
        let methodEnd = i
        i += 1
        let targetStart = i
        while i < line.count, line[i] > 0x20, line[i] < 0x7F { i += 1 }
        guard i < line.count, i > targetStart, line[i] == ByteClass.space else {
            if i < line.count, line[i] == ByteClass.cr { return .failure(.bareCarriageReturn) }
            if i == line.count || line[i] == ByteClass.space { return .failure(.invalidRequestLine) }
            return .failure(.invalidTarget)
        }
        let targetEnd = i
        i += 1
        let version = UnsafeRawBufferPointer(rebasing: line[i...])
        if version.contains(ByteClass.cr) { return .failure(.bareCarriageReturn) }
        guard version.count == 8, version.starts(with: "HTTP/".utf8),
              version[6] == UInt8(ascii: "."),
              let major = Self.digit(version[5]), let minor = Self.digit(version[7]) else {
            return .failure(.invalidVersion)
        }
        // RFC 9110 §6.2: a 1.x recipient answers any 1.x (x ≥ 1) as 1.1.
        guard major == 1 else { return .failure(.unsupportedVersion) }
        let httpVersion: HTTPVersion = minor == 0 ? .http1_0 : .http1_1

        let method = HTTPMethod(String(decoding: UnsafeRawBufferPointer(rebasing: line[0 ..< methodEnd]),
                                       as: UTF8.self))
        let targetBytes = UnsafeRawBufferPointer(rebasing: line[targetStart ..< targetEnd])
        guard Self.isAcceptableTarget(targetBytes, method: method) else { return .failure(.invalidTarget) }
        return .success((method, String(decoding: targetBytes, as: UTF8.self), httpVersion))
    }

    /// RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT) or `*` (OPTIONS).
    static func isAcceptableTarget(_ target: UnsafeRawBufferPointer, method: HTTPMethod) -> Bool {
        if target[0] == UInt8(ascii: "/") { return !(target.count > 1 && target[1] == UInt8(ascii: "/")) }
        if target.count == 1, target[0] == UInt8(ascii: "*") { return method == .options }
        if method.rawValue == "CONNECT" { return true }
        for scheme in ["http://", "https://"] {
            let s = Array(scheme.utf8)
            if target.count > s.count,
               zip(target.prefix(s.count), s).allSatisfy({ ByteClass.lower($0) == $1 }) {
                return true
            }
        }
        return false
    }

    private static func digit(_ b: UInt8) -> Int? {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? Int(b - UInt8(ascii: "0")) : nil
    }

    /// Checks one `field-name ":" OWS field-value OWS` line (RFC 9112 §5) and records it.
    static func parseField(_ line: UnsafeRawBufferPointer, version: HTTPVersion,
                           into headers: inout HTTPHeaders, facts: inout FieldFacts) -> HTTPParseError? {
        guard let first = line.first else { return .invalidHeaderName }
        // RFC 9112 §5.2: obs-fold may be rejected with 400.
        if ByteClass.isWhitespace(first) { return .obsoleteLineFolding }
        var i = 0
        while i < line.count, ByteClass.isToken(line[i]) { i += 1 }
        guard i < line.count, line[i] == UInt8(ascii: ":"), i > 0 else {
            if i < line.count, line[i] == ByteClass.cr { return .bareCarriageReturn }
            if i > 0, i < line.count, ByteClass.isWhitespace(line[i]) {
                var j = i
                while j < line.count, ByteClass.isWhitespace(line[j]) { j += 1 }
                // RFC 9112 §5.1: whitespace between name and colon must be rejected with 400.
                if j < line.count, line[j] == UInt8(ascii: ":") { return .whitespaceBeforeColon }
            }
            return .invalidHeaderName
        }
        let name = UnsafeRawBufferPointer(rebasing: line[0 ..< i])
        var start = i + 1
        while start < line.count, ByteClass.isWhitespace(line[start]) { start += 1 }
        var end = line.count
        for j in start ..< end where !ByteClass.isFieldValue(line[j]) {
            // RFC 9112 §2.2: a bare CR is invalid; other controls are not field-vchar (RFC 9110 §5.5).
            return line[j] == ByteClass.cr ? .bareCarriageReturn : .invalidHeaderValue
        }
        while end > start, ByteClass.isWhitespace(line[end - 1]) { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[start ..< end])
        if let error = facts.record(name: name, value: value, version: version) { return error }
        headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        return nil
    }
}

/// What the fields that govern framing and the connection said, gathered while parsing.
struct FieldFacts {
    var hostCount = 0
    var contentLength: Int?
    var contentLengthRaw: [UInt8] = []
    var transferEncoding: [UInt8]?
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false
    var gzipBody = false

    /// Notes a field that matters to framing; returns an error for a bad one.
    mutating func record(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                         version: HTTPVersion) -> HTTPParseError? {
        switch name.count {
        case 4 where ByteClass.equalsLowercase(name, "host"):
            hostCount += 1
            // RFC 9112 §3.2: more than one Host is a 400.
            if hostCount > 1 { return .duplicateHost }
            if !value.allSatisfy(Self.isHostByte) { return .invalidHost }
        case 14 where ByteClass.equalsLowercase(name, "content-length"):
            // RFC 9112 §6.3: Content-Length is 1*DIGIT; differing repeats are an error.
            guard let length = Self.parseLength(value) else { return .invalidContentLength }
            if contentLength != nil {
                if !contentLengthRaw.elementsEqual(value) { return .conflictingContentLength }
            }
            contentLength = length
            contentLengthRaw = Array(value)
        case 17 where ByteClass.equalsLowercase(name, "transfer-encoding"):
            // RFC 9110 §5.3: repeated fields combine into one comma-separated list.
            if transferEncoding == nil { transferEncoding = Array(value) } else {
                transferEncoding! += Array(", ".utf8) + Array(value)
            }
        case 10 where ByteClass.equalsLowercase(name, "connection"):
            for token in Self.tokens(value) {
                if token == Array("close".utf8) { connectionClose = true }
                if token == Array("keep-alive".utf8) { connectionKeepAlive = true }
            }
        case 6 where ByteClass.equalsLowercase(name, "expect"):
            // RFC 9110 §10.1.1: an HTTP/1.0 Expect is ignored; anything but 100-continue is 417.
            guard version == .http1_1 else { break }
            if ByteClass.equalsLowercase(value, "100-continue") { expectsContinue = true }
            else { return .unsupportedExpectation }
        case 16 where ByteClass.equalsLowercase(name, "content-encoding"):
            for token in Self.tokens(value) {
                switch String(decoding: token, as: UTF8.self) {
                // RFC 9110 §8.4.1: "deflate" is zlib-wrapped (RFC 1950); tritonclient sends it.
                case "gzip", "x-gzip", "deflate":
                    if gzipBody { return .unsupportedContentEncoding }
                    gzipBody = true
                case "identity": break
                default: return .unsupportedContentEncoding
                }
            }
        default:
            break
        }
        return nil
    }

    /// Decides the body's framing once every field has been seen (RFC 9112 §6.1, §6.3).
    func conclude(version: HTTPVersion, limits: RequestLimits) -> Result<BodyFraming, HTTPParseError> {
        // RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host.
        if version == .http1_1 && hostCount == 0 { return .failure(.missingHost) }
        if let te = transferEncoding {
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            if version == .http1_0 { return .failure(.transferEncodingInHTTP10) }
            // RFC 9112 §6.3: CL with TE is an error (we refuse rather than guess).
            if contentLength != nil { return .failure(.contentLengthWithTransferEncoding) }
            let codings = te.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                .map { Array(Self.trim($0)).map(ByteClass.lower) }
            guard codings.allSatisfy({ !$0.isEmpty && $0.allSatisfy(ByteClass.isToken) }) else {
                return .failure(.invalidTransferEncoding)
            }
            let chunked = Array("chunked".utf8)
            // RFC 9112 §6.1: chunked must be last, and applied only once; otherwise 400.
            guard codings.last == chunked, codings.filter({ $0 == chunked }).count == 1 else {
                return .failure(.invalidTransferEncoding)
            }
            // RFC 9112 §6.1: a coding we do not understand is a 501.
            if codings.count > 1 { return .failure(.unsupportedTransferEncoding) }
            return .success(.chunked)
        }
        if let length = contentLength {
            if length > limits.maxBodySize { return .failure(.bodyTooLarge) }
            return .success(length == 0 ? .none : .contentLength(length))
        }
        return .success(.none)
    }

    /// `1*DIGIT` that fits in an Int, or nil.
    static func parseLength(_ value: UnsafeRawBufferPointer) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        for b in value {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(b - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            result = sum
        }
        return result
    }

    /// The comma-separated elements of a list value, trimmed and lowercased.
    static func tokens(_ value: UnsafeRawBufferPointer) -> [[UInt8]] {
        value.split(separator: UInt8(ascii: ",")).map { Array(trim($0)).map(ByteClass.lower) }
    }

    static func trim<C: BidirectionalCollection>(_ bytes: C) -> C.SubSequence where C.Element == UInt8 {
        var slice = bytes[...]
        while let f = slice.first, ByteClass.isWhitespace(f) { slice = slice.dropFirst() }
        while let l = slice.last, ByteClass.isWhitespace(l) { slice = slice.dropLast() }
        return slice
    }

    /// uri-host / port characters (RFC 3986: unreserved, pct-encoded, sub-delims, ":" and IP-literal brackets).
    static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"),
             UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return true
        default:
            return "-._~%!$&'()*+,;=:[]".utf8.contains(b)
        }
    }
}

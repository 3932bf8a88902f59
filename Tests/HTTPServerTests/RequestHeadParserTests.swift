import Testing
@testable import HTTPServer

/// One named raw case for the parser tables.
struct ParserCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let expected: [FramedOutcome]
    var testDescription: String { name }

    init(name: String, bytes: [UInt8], expected: [FramedOutcome]) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
    }

    init(_ name: String, _ text: String, _ expected: FramedOutcome...) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.expected = expected
    }
}

extension FramedOutcome: @unchecked Sendable {}

@Suite struct RequestHeadParserTests {
    static let valid: [ParserCase] = [
        ParserCase("simple GET", "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n",
                   .request(method: "GET", target: "/ping", body: [])),
        ParserCase("Content-Length body", "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                   .request(method: "POST", target: "/e", body: Array("hello".utf8))),
        ParserCase("Content-Length zero", "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                   .request(method: "POST", target: "/e", body: [])),
        ParserCase("identical repeated Content-Length",
                   "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
                   .request(method: "POST", target: "/e", body: Array("hi".utf8))),
        ParserCase("chunked with extensions and trailers",
                   "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + "5;name=value;q=\"quoted \\\" text\"\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n",
                   .request(method: "POST", target: "/e", body: Array("hello world".utf8))),
        ParserCase("chunked, case-insensitive coding", "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                   .request(method: "POST", target: "/e", body: [])),
        ParserCase("two pipelined requests", "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n",
                   .request(method: "GET", target: "/a", body: []), .request(method: "GET", target: "/b", body: [])),
        ParserCase("empty line before request line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                   .request(method: "GET", target: "/", body: [])),
        ParserCase("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", .request(method: "GET", target: "/", body: [])),
        ParserCase("absolute-form target", "GET http://a/x?y HTTP/1.1\r\nHost: a\r\n\r\n",
                   .request(method: "GET", target: "http://a/x?y", body: [])),
        ParserCase("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", .request(method: "OPTIONS", target: "*", body: [])),
        ParserCase("field value with obs-text and tabs", "GET / HTTP/1.1\r\nHost: a\r\nX-A: \tcaf\u{e9}\t \r\n\r\n",
                   .request(method: "GET", target: "/", body: [])),
        ParserCase("empty field value", "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n", .request(method: "GET", target: "/", body: [])),
        ParserCase("HTTP/1.2 is answered as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", .request(method: "GET", target: "/", body: [])),
    ]

    static let invalid: [ParserCase] = [
        ParserCase("bare LF in header", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", .error(.bareLineFeed)),
        ParserCase("bare CR in header", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .error(.bareCarriageReturn)),
        ParserCase("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                   .error(.contentLengthWithTransferEncoding)),
        ParserCase("different Content-Lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                   .error(.conflictingContentLength)),
        ParserCase("Content-Length 01 vs 1 are not byte-identical",
                   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\n", .error(.conflictingContentLength)),
        ParserCase("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", .error(.obsoleteLineFolding)),
        ParserCase("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .error(.whitespaceBeforeColon)),
        ParserCase("missing Host", "GET / HTTP/1.1\r\n\r\n", .error(.missingHost)),
        ParserCase("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .error(.duplicateHost)),
        ParserCase("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .error(.unsupportedVersion)),
        ParserCase("valid then malformed", "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
                   .request(method: "GET", target: "/a", body: []), .error(.missingHost)),
        ParserCase("chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
                   .error(.chunkSizeOverflow)),
        ParserCase("Expect other than 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: x\r\nContent-Length: 1\r\n\r\na",
                   .error(.unsupportedExpectation)),
        // Regression (found by the fuzzer): a bare LF past the header limit gave 400 when the
        // bytes came at once but 431 when they came one by one.
        ParserCase("header limit is reached before a later bare LF",
                   "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 16400) + "\n\r\n",
                   .error(.headerBlockTooLarge)),
        ParserCase("three empty lines before request line", "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                   .error(.invalidRequestLine)),
        // Regression (issue 11): bytes that cannot begin a request line are refused as they
        // arrive; a TLS ClientHello on the plain port used to wait for the header timeout.
        ParserCase(name: "TLS ClientHello, no line end", bytes: [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1],
                   expected: [.error(.invalidMethod)]),
        ParserCase("NUL where the method starts, no line end", "\u{0}\u{0}\u{0}", .error(.invalidMethod)),
        ParserCase("space where the method starts, no line end", " GET", .error(.invalidMethod)),
        ParserCase("bare CR in the method, no line end", "GE\rT", .error(.bareCarriageReturn)),
        ParserCase("control byte in the target, no line end", "GET /a\u{1}", .error(.invalidTarget)),
        ParserCase("empty target, no line end", "GET  /", .error(.invalidRequestLine)),
    ]

    @Test("a request line whose bytes so far are valid waits for more, whatever they are split into")
    func partialRequestLines() {
        for text in ["G", "GET", "GET ", "GET /pi", "GET /ping ", "GET /ping HTTP/9", "GET /ping HTTX/1.1x", "\r\nGET /", "GET /\r"] {
            #expect(FramingVerifier.frame(Array(text.utf8)).isEmpty, "\(text.debugDescription)")
            #expect(FramingVerifier.frame(Array(text.utf8), pieceSize: 1).isEmpty, "\(text.debugDescription) byte by byte")
        }
    }

    @Test("valid requests frame the same whole, byte by byte and after another request",
          arguments: valid)
    func validCases(_ c: ParserCase) {
        Self.verify(c)
    }

    @Test("malformed requests give the same error whole, byte by byte and after another request",
          arguments: invalid)
    func invalidCases(_ c: ParserCase) {
        Self.verify(c)
    }

    /// Checks a case whole, byte by byte, after a valid request and followed by one.
    static func verify(_ c: ParserCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let prefix = Array("GET /first HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let first = FramedOutcome.request(method: "GET", target: "/first", body: [])
        #expect(FramingVerifier.frame(c.bytes) == c.expected, "whole", sourceLocation: sourceLocation)
        #expect(FramingVerifier.frame(c.bytes, pieceSize: 1) == c.expected, "byte by byte", sourceLocation: sourceLocation)
        #expect(FramingVerifier.frame(c.bytes, pieceSize: 7) == c.expected, "7 bytes at a time", sourceLocation: sourceLocation)
        #expect(FramingVerifier.frame(prefix + c.bytes) == [first] + c.expected, "after a valid request",
                sourceLocation: sourceLocation)
        #expect(FramingVerifier.frame(prefix + c.bytes, pieceSize: 1) == [first] + c.expected,
                "after a valid request, byte by byte", sourceLocation: sourceLocation)
        // A valid request after the case: parsed only if the case itself was valid.
        let followed = FramingVerifier.frame(c.bytes + prefix)
        if case .error = c.expected.last {
            #expect(followed == c.expected, "nothing after an error is parsed", sourceLocation: sourceLocation)
        } else {
            #expect(followed == c.expected + [first], "followed by a valid request", sourceLocation: sourceLocation)
        }
    }

    @Test("a head's fields, framing and connection facts are interpreted")
    func headFields() throws {
        var parser = RequestHeadParser(limits: RequestLimits())
        let bytes = Array("POST /x?q=1 HTTP/1.0\r\nhost: h\r\nContent-Length: 3\r\nConnection: Keep-Alive\r\nX-Pad:  v  \r\n\r\n".utf8)
        guard case .complete(let head, let consumed) = bytes.withUnsafeBytes({ parser.parse($0) }) else {
            Issue.record("no head"); return
        }
        #expect(consumed == bytes.count)
        #expect(head.method == .post && head.target == "/x?q=1" && head.version == .http1_0)
        #expect(head.framing == .contentLength(3))
        #expect(head.keepAlive)
        #expect(head.headers["HOST"] == "h")
        #expect(head.headers["x-pad"] == "v")
    }

    @Test("HTTP/1.1 keeps alive unless Connection: close; HTTP/1.0 closes unless keep-alive")
    func keepAliveRules() {
        func keepAlive(_ text: String) -> Bool? {
            var parser = RequestHeadParser(limits: RequestLimits())
            if case .complete(let head, _) = Array(text.utf8).withUnsafeBytes({ parser.parse($0) }) { return head.keepAlive }
            return nil
        }
        #expect(keepAlive("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == true)
        #expect(keepAlive("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n") == false)
        #expect(keepAlive("GET / HTTP/1.0\r\n\r\n") == false)
        #expect(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == true)
    }

    @Test("limits: request line 414, header block and field count 431, declared body 413")
    func limits() {
        let limits = RequestLimits(maxRequestLineLength: 20, maxHeaderBlockSize: 40, maxHeaderCount: 2, maxBodySize: 10)
        func outcome(_ text: String) -> [FramedOutcome] { FramingVerifier.frame(Array(text.utf8), limits: limits) }
        #expect(outcome("GET /aaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n") == [.error(.requestLineTooLong)])
        #expect(outcome("GET /aaaaaaaaaaaaaaaaaaaaaaa") == [.error(.requestLineTooLong)])
        #expect(outcome("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + String(repeating: "x", count: 40)) == [.error(.headerBlockTooLarge)])
        #expect(outcome("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n") == [.error(.tooManyHeaderFields)])
        #expect(outcome("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n") == [.error(.bodyTooLarge)])
        #expect(outcome("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello!\r\n5\r\n")
                == [.error(.bodyTooLarge)])
        // Exactly at the limits is fine.
        #expect(outcome("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789")
                == [.request(method: "POST", target: "/", body: Array("0123456789".utf8))])
    }

    @Test("every parse error maps to a 4xx or 5xx status in the one table")
    func statusTable() {
        for error in HTTPParseError.allCases {
            #expect([400, 408, 413, 414, 415, 417, 431, 501, 505].contains(error.status), "\(error)")
            #expect(!error.message.isEmpty)
        }
    }
}

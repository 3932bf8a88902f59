import Testing
@testable import HTTPServer

@Suite struct ChunkedBodyDecoderTests {
    static func decode(_ text: String, pieces: Int = .max) -> (ChunkedBodyDecoder.Result, [UInt8], Int) {
        var decoder = ChunkedBodyDecoder(limits: RequestLimits())
        var body: [UInt8] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + min(pieces, bytes.count))
            let (result, consumed) = bytes[offset ..< end].withUnsafeBytes { decoder.decode($0, into: &body) }
            if result != .needMore { return (result, body, offset + consumed) }
            offset = end
        }
        return (.needMore, body, offset)
    }

    @Test("chunks, extensions (token and quoted) and trailers decode the same whole and byte by byte")
    func valid() {
        let text = "3;a=b\r\nabc\r\n2 ;x ; y=\"q\\\"z\"\r\nde\r\n0\r\nT: 1\r\n\r\nNEXT"
        for pieces in [Int.max, 1, 3] {
            let (result, body, consumed) = Self.decode(text, pieces: pieces)
            #expect(result == .complete)
            #expect(body == Array("abcde".utf8))
            #expect(consumed == text.utf8.count - 4, "stops before the next request")
        }
    }

    @Test("malformed chunk framing is refused", arguments: [
        ("g\r\n", HTTPParseError.invalidChunkSize),
        ("3\r\nabcX\r\n", .invalidChunkTerminator),
        ("3;\r\nabc\r\n", .invalidChunkExtension),
        ("3\rabc", .bareCarriageReturn),
        ("1000000000000000\r\n", .chunkSizeOverflow),
        ("0\r\nno colon\r\n\r\n", .invalidTrailer),
        ("0\r\nT: 1\n\r\n", .bareLineFeed),
    ])
    func invalid(_ text: String, _ error: HTTPParseError) {
        #expect(Self.decode(text).0 == .invalid(error))
        #expect(Self.decode(text, pieces: 1).0 == .invalid(error))
    }

    @Test("a chunk-size line over the limit is refused")
    func longLine() {
        let text = "5;" + String(repeating: "a", count: 5000) + "\r\n"
        #expect(Self.decode(text).0 == .invalid(.chunkLineTooLong))
    }
}

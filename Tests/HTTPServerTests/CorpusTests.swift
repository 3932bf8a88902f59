import Foundation
import AETestSupport
import Testing
@testable import HTTPServer

/// The committed corpus of malformed and ambiguous requests (Corpus/make_corpus.py).
enum Corpus {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let status: Int
        let summary: String
        let bytes: [UInt8]
        var testDescription: String { "\(file): \(summary)" }
    }

    static let cases: [Case] = {
        guard let folder = Bundle.module.url(forResource: "Corpus", withExtension: nil),
              let manifest = try? String(contentsOf: folder.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        else { return [] }
        return manifest.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 2)
            guard parts.count == 3, let status = Int(parts[1]),
                  let data = try? Data(contentsOf: folder.appendingPathComponent("cases").appendingPathComponent(String(parts[0])))
            else { return nil }
            return Case(file: String(parts[0]), status: status, summary: String(parts[2]), bytes: [UInt8](data))
        }
    }()
}

@Suite struct CorpusTests {
    @Test("the corpus holds at least 40 cases")
    func size() {
        #expect(Corpus.cases.count >= 40)
    }

    @Test("each corpus case is refused with its status: whole, byte by byte, and back to back with a valid request",
          arguments: Corpus.cases)
    func parser(_ c: Corpus.Case) {
        let outcome = FramingVerifier.frame(c.bytes)
        guard case .error(let error)? = outcome.last else {
            Issue.record("\(c.file) was accepted: \(outcome)")
            return
        }
        #expect(error.status == c.status, "\(c.file): \(error)")
        RequestHeadParserTests.verify(ParserCase(c.file, c.bytes, outcome))
    }

    @Test("over a socket, each corpus case gets its status with Connection: close, and the server keeps serving")
    func live() throws {
        let (server, port) = try TestServer.start()
        defer { server.shutdown(drainTimeout: .seconds(1)) }
        for c in Corpus.cases {
            let client = try HTTPConnection(port: port)
            try client.send(c.bytes)
            let response = try client.readResponse()
            #expect(response.status == c.status, "\(c.file)")
            #expect(response.header("Connection") == "close", "\(c.file)")
            #expect(response.header("Date") != nil && response.header("Content-Length") != nil, "\(c.file)")
            #expect(client.readsEOF(), "\(c.file): connection not closed")
        }
        let client = try HTTPConnection(port: port)
        try client.send("GET", "/ping")
        #expect(try client.readResponse().text == "pong")
    }
}

extension ParserCase {
    init(_ name: String, _ bytes: [UInt8], _ expected: [FramedOutcome]) {
        self.init(name: name, bytes: bytes, expected: expected)
    }
}

import Testing
import AEData

@Suite struct JSONReaderTests {
    static func read(_ text: String, limit: Int? = nil) throws -> Dataset {
        try JSONReader.read(Array(text.utf8), source: "v.json", limit: limit)
    }

    @Test("a bare array of vectors reads as samples")
    func bareArray() throws {
        let dataset = try Self.read("[[0.5, 1], [2, 3e-1]]")
        #expect(dataset.count == 2 && dataset.dimension == 2)
        #expect(dataset.values == [0.5, 1, 2, 0.3])
        #expect(dataset.source == "v.json")
    }

    @Test("an object with a vectors key reads the same")
    func wrappedArray() throws {
        #expect(try Self.read(#" {"vectors": [[1, 2], [3, 4]]}"#).values == [1, 2, 3, 4])
        #expect(try Self.read(#"{"vectors": [[1], [2], [3]]}"#, limit: 2).values == [1, 2])
    }

    @Test("ragged vectors are refused like inline ones")
    func ragged() {
        expectDataError(.ragged, containing: ["v.json", "row 1", "row 1 has 1 values; row 0 has 2"]) {
            _ = try Self.read("[[1, 2], [3]]")
        }
    }

    @Test("a non-number is refused, naming its row and column")
    func nonNumber() {
        expectDataError(.malformed, containing: ["v.json", "row 1, column 0", "expected a number"]) {
            _ = try Self.read(#"[[1, 2], ["x", 4]]"#)
        }
    }

    @Test("the wrong shape of document is refused, saying which shapes are accepted")
    func wrongDocument() {
        expectDataError(.malformed, containing: ["v.json", "vectors"]) { _ = try Self.read(#"{"rows": [[1]]}"#) }
        expectDataError(.malformed, containing: ["v.json", "[[…], …]"]) { _ = try Self.read("42") }
        expectDataError(.empty, containing: ["v.json"]) { _ = try Self.read("[]") }
        expectDataError(.malformed, containing: ["v.json", "valid JSON"]) { _ = try Self.read("[[1, 2]") }
    }
}

import Testing
import AEData

@Suite struct DataErrorTests {
    @Test("the description names source, position and message")
    func descriptionNamesEverything() {
        #expect(DataError(.malformed, source: "a.idx", at: .byte(16), "bad").description == "a.idx, byte 16: bad")
        #expect(DataError(.ragged, source: "a.csv", at: .line(7, column: 3), "bad").description == "a.csv, line 7, column 3: bad")
        #expect(DataError(.nonFinite, source: "inline", at: .row(2, column: 5), "bad").description == "inline, row 2, column 5: bad")
        #expect(DataError(.notFound, source: "x.npy", at: .whole, "bad").description == "x.npy: bad")
    }
}

import Foundation
import Testing
import AEData

@Suite struct CSVReaderTests {
    static func read(_ text: String, hasHeader: Bool? = nil, limit: Int? = nil) throws -> Dataset {
        try CSVReader.read(Array(text.utf8), source: "d.csv", hasHeader: hasHeader, limit: limit)
    }

    @Test("numbers without a header read row by row")
    func withoutHeader() throws {
        let dataset = try Self.read("1,2,3\n4.5,-6,7e-1\n")
        #expect(dataset.count == 2 && dataset.dimension == 3)
        #expect(dataset.values == [1, 2, 3, 4.5, -6, 0.7])
    }

    @Test("a first row with a non-numeric cell is taken for a header")
    func detectedHeader() throws {
        let dataset = try Self.read("a,b\n1,2\n3,4")
        #expect(dataset.count == 2)
        #expect(dataset.values == [1, 2, 3, 4])
    }

    @Test("hasHeader overrides detection both ways")
    func explicitHeader() throws {
        #expect(try Self.read("1,2\n3,4\n", hasHeader: true).values == [3, 4])
        expectDataError(.malformed, containing: ["d.csv", "line 1, column 1", "\"x\""]) {
            _ = try Self.read("x,y\n3,4\n", hasHeader: false)
        }
    }

    @Test("CRLF, blank lines, surrounding spaces, a BOM and no final newline are accepted")
    func lenientWhitespace() throws {
        let dataset = try Self.read("\u{FEFF}x , y\r\n\r\n 1 ,\t2\r\n   \n3,4")
        #expect(dataset.values == [1, 2, 3, 4])
    }

    @Test("decimals parse to the same Float as the standard library, fast path or not")
    func parsingMatchesStandardLibrary() throws {
        let cells = ["0", "255", "-0.5", "0.1", "3.14159", "1234567", "12345678", "0.0000001", "+2.5",
                     ".5", "5.", "1e3", "-2.5E-3", "6.02e23", "9999999", "0.3333333", "16777217"]
        let dataset = try Self.read(cells.joined(separator: ","))
        #expect(dataset.values == cells.map { Float($0)! })
    }

    @Test("limit keeps the first rows")
    func limit() throws {
        #expect(try Self.read("1\n2\n3\n", limit: 2).values == [1, 2])
    }

    @Test("a ragged row is refused, naming its line and the first data line")
    func raggedRow() {
        expectDataError(.ragged, containing: ["d.csv", "line 4", "line 4 has 2 values; line 2 has 3"]) {
            _ = try Self.read("a,b,c\n1,2,3\n4,5,6\n7,8\n")
        }
    }

    @Test("a non-numeric cell is refused, quoting it with its line and column")
    func nonNumericCell() {
        expectDataError(.malformed, containing: ["d.csv", "line 3, column 2", "\"abc\"", "not a number"]) {
            _ = try Self.read("1,2\n3,4\n5, abc\n")
        }
        expectDataError(.malformed, containing: ["line 2, column 3", "\"\""]) {
            _ = try Self.read("1,2,3\n4,5,\n")
        }
    }

    @Test("NaN and infinite cells are refused, naming line and column")
    func nanCell() {
        expectDataError(.nonFinite, containing: ["d.csv", "line 2, column 3", "\"NaN\"", "finite"]) {
            _ = try Self.read("1,2,3\n4,5,NaN\n")
        }
        expectDataError(.nonFinite, containing: ["line 1, column 1", "\"1e50\""]) {
            _ = try Self.read("1e50\n")
        }
    }

    @Test("a file with only a header or only blank lines is refused as empty")
    func emptyFile() {
        expectDataError(.empty, containing: ["d.csv", "no"]) { _ = try Self.read("a,b\n\n") }
        expectDataError(.empty, containing: ["d.csv"]) { _ = try Self.read("") }
    }
}

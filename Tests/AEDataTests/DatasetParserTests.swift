import Foundation
import Testing
@testable import AEData

/// Feeds `bytes` to a fresh parser in the given split and returns what it made of them.
private func parse(_ bytes: [UInt8], format: DatasetFormat, splits: [Int], rowLimit: Int? = nil)
    -> Result<(DatasetLayout, [Float]), DataError>
{
    final class Values { var all: [Float] = [] }
    let values = Values()
    var parser = format.parser(source: "up", rowLimit: rowLimit, sink: { chunk, _ in values.all.append(contentsOf: chunk) })!
    do throws(DataError) {
        var start = 0
        for size in splits where start < bytes.count {
            try parser.consume(Array(bytes[start ..< min(bytes.count, start + size)]))
            start += size
        }
        if start < bytes.count { try parser.consume(Array(bytes[start...])) }
        return .success((try parser.finish(), values.all))
    }
    catch { return .failure(error) }
}

/// Parses `bytes` whole, a byte at a time and in uneven chunks, and demands one outcome.
@discardableResult
private func verify(_ bytes: [UInt8], _ format: DatasetFormat, rowLimit: Int? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) -> Result<(DatasetLayout, [Float]), DataError> {
    let whole = parse(bytes, format: format, splits: [bytes.count], rowLimit: rowLimit)
    for splits in [[Int](repeating: 1, count: bytes.count), [3, 5, 7, 11, 13, 17, 19, 23, 29, 31], [2, 1000, 1]] {
        let other = parse(bytes, format: format, splits: splits, rowLimit: rowLimit)
        switch (whole, other) {
        case let (.success(a), .success(b)):
            #expect(a.0 == b.0 && a.1 == b.1, "split \(splits.prefix(4))… gives another result", sourceLocation: sourceLocation)
        case let (.failure(a), .failure(b)):
            #expect(a.kind == b.kind && a.position == b.position,
                    "split \(splits.prefix(4))…: \(b) instead of \(a)", sourceLocation: sourceLocation)
        default:
            Issue.record("split \(splits.prefix(4))… gives \(other) instead of \(whole)", sourceLocation: sourceLocation)
        }
    }
    return whole
}

/// Expects `result` to be a failure of `kind` whose message holds every fragment.
private func expectFailure(_ result: Result<(DatasetLayout, [Float]), DataError>, _ kind: DataError.Kind,
                           _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    guard case .failure(let error) = result else {
        Issue.record("expected a \(kind) error, got \(result)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.kind == kind, "kind of \(error)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(error.description.contains(fragment), "\"\(fragment)\" missing from: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct DatasetParserTests {
    static let images = IDXReaderTests.images

    @Test("an IDX file gives the same layout and values however its bytes are split")
    func idxAnySplit() throws {
        let (layout, values) = try verify(Self.images, .idx).get()
        #expect(layout == DatasetLayout(format: .idx, elementType: .uint8, shape: [3, 2, 2], rows: 3, dimension: 4, dataOffset: 16, isBigEndian: true))
        #expect(values == Self.images[16...].map { Float($0) / 255 })
    }

    @Test("an NPY file of each supported dtype parses the same in any split")
    func npyAnySplit() throws {
        let floats: [Float] = [0.5, -1, 2.25, 3, 1e-3, 7]
        let (layout, values) = try verify(NPYReaderTests.npy(descr: "<f4", shape: "(2, 3)", data: NPYReaderTests.littleEndian(floats)), .npy).get()
        #expect(layout.rows == 2 && layout.dimension == 3 && layout.shape == [2, 3] && layout.elementType == .float32)
        #expect(values == floats)
        var int64: [UInt8] = []
        for value: Int64 in [-3, 9, 1 << 40, 7] { int64.appendLittleEndian(value) }
        let (intLayout, intValues) = try verify(NPYReaderTests.npy(descr: "<i8", shape: "(4,)", data: int64), .npy).get()
        #expect(intLayout.elementType == .int64 && intLayout.rows == 1 && intLayout.dimension == 4)
        #expect(intValues == [-3, 9, Float(1 << 40), 7])
        let uint16 = try verify(NPYReaderTests.npy(descr: ">u2", shape: "(2, 1)", data: [0x01, 0x00, 0xFF, 0xFF]), .npy).get()
        #expect(uint16.1 == [256, 65535])
    }

    @Test("a CSV file gives the same rows whether its lines arrive whole or cut anywhere")
    func csvAnySplit() throws {
        let text = "\u{FEFF}x,y,z\r\n1,2,3\r\n\r\n4.5 , -6,7e-1\n8,9,10"
        let (layout, values) = try verify(Array(text.utf8), .csv).get()
        #expect(layout == DatasetLayout(format: .csv, elementType: .float32, shape: [3, 3], rows: 3, dimension: 3, dataOffset: nil))
        #expect(values == [1, 2, 3, 4.5, -6, 0.7, 8, 9, 10])
    }

    @Test("a row limit keeps the first rows and reads no further")
    func rowLimit() throws {
        let idx = try verify(Self.images, .idx, rowLimit: 2).get()
        #expect(idx.1.count == 8 && idx.0.rows == 3)
        // CSV stops reading at the limit: the ragged row after it is never seen.
        let csv = try verify(Array("1,2\n3,4\n5\n".utf8), .csv, rowLimit: 2).get()
        #expect(csv.1 == [1, 2, 3, 4])
    }

    @Test("truncated binary files are refused at their end, whatever the split")
    func truncated() {
        expectFailure(verify(Array(Self.images.dropLast(5)), .idx), .truncated, ["byte 23", "need 12 data bytes", "found 7"])
        expectFailure(verify(Array(Self.images.prefix(9)), .idx), .truncated, ["byte 9", "3 dimensions", "16 header bytes"])
        expectFailure(verify([0, 0], .idx), .truncated, ["byte 0", "found only 2 bytes"])
        let npy = NPYReaderTests.npy(descr: "<f8", shape: "(2, 2)", data: [UInt8](repeating: 0, count: 31))
        expectFailure(verify(npy, .npy), .truncated, ["byte \(npy.count)", "needs 32 data bytes", "found 31"])
        expectFailure(verify(Array(npy.prefix(40)), .npy), .truncated, ["byte 40", "header declares"])
        expectFailure(verify(Array(npy.prefix(7)), .npy), .truncated, ["byte 7", "preamble"])
    }

    @Test("a wrong magic is refused at byte 0 as soon as it shows")
    func wrongMagic() throws {
        expectFailure(verify([0x1f, 0x8b, 8, 0, 0, 0], .idx), .malformed, ["byte 0", "0x1f8b", "not an IDX file"])
        expectFailure(verify(Array("PK\u{3}\u{4}xxxxxxxxxx".utf8), .npy), .malformed, ["byte 0", "NPY magic"])
        // Two bytes are enough to tell: the parser fails before the file ends.
        var parser = IDXParser(source: "up")
        #expect(throws: DataError.self) { try parser.consume([0x50, 0x4B]) }
    }

    @Test("a NaN or infinity is refused naming its row, column and byte, in any split")
    func nonFinite() {
        let nan = NPYReaderTests.npy(descr: "<f4", shape: "(2, 2)", data: NPYReaderTests.littleEndian([1, 2, 3, Float.nan]))
        expectFailure(verify(nan, .npy), .nonFinite, ["row 1, column 1", "byte 140", "nan"])
        let big = NPYReaderTests.npy(descr: ">f8", shape: "(1, 2)", data: [0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0x7F, 0xE0, 0, 0, 0, 0, 0, 0])
        expectFailure(verify(big, .npy), .nonFinite, ["row 0, column 1", "8.98846567431158e+307"])
        expectFailure(verify(Array("1,2\n3,inf\n".utf8), .csv), .nonFinite, ["line 2, column 2", "\"inf\""])
    }

    @Test("ragged and non-numeric CSV rows are refused naming line and column, in any split")
    func csvErrors() {
        expectFailure(verify(Array("a,b,c\n1,2,3\n4,5\n".utf8), .csv), .ragged, ["line 3", "line 3 has 2 values; line 2 has 3"])
        expectFailure(verify(Array("1,2\n3,x4\n".utf8), .csv), .malformed, ["line 2, column 2", "\"x4\""])
        expectFailure(verify(Array("a,b\n\n".utf8), .csv), .empty, ["no"])
    }

    @Test("a huge cell is quoted cut short, and an endless line is refused at the line length limit")
    func boundedMessages() throws {
        let cell = String(repeating: "z", count: 5000)
        let error = try #require(verify(Array("1\n\(cell)\n".utf8), .csv).failure)
        #expect(error.message.count < 200)
        var parser = CSVParser(source: "up")
        let chunk = [UInt8](repeating: UInt8(ascii: "1"), count: 1 << 20)
        #expect(throws: DataError.self) { for _ in 0 ..< 5 { try parser.consume(chunk) } }
    }

    @Test("bytes after the data are refused at the offset where they start")
    func trailing() {
        expectFailure(verify(Self.images + [9, 9], .idx), .malformed, ["byte 28", "trailing bytes"])
    }

    @Test("the format shows in the first bytes: NPY and IDX magics, CSV text, else nothing")
    func detect() {
        #expect(DatasetFormat.detect(prefix: NPYReaderTests.npy(descr: "<f4", shape: "(1,)", data: [0, 0, 0, 0])) == .npy)
        #expect(DatasetFormat.detect(prefix: Self.images) == .idx)
        #expect(DatasetFormat.detect(prefix: Array("0.5,1\n".utf8)) == .csv)
        #expect(DatasetFormat.detect(prefix: Array("\u{FEFF}a,b".utf8)) == .csv)
        #expect(DatasetFormat.detect(prefix: Array("[[1]]".utf8)) == .json)
        #expect(DatasetFormat.detect(prefix: [0x1f, 0x8b, 8, 0]) == nil)
        #expect(DatasetFormat.detect(prefix: [0, 0, 0x07, 1]) == nil)
        #expect(DatasetFormat.detect(prefix: [0x50, 0x4B, 3, 4, 0, 0]) == nil)  // a zip file is not text
        #expect(DatasetFormat.detect(prefix: [UInt8]()) == nil)
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}

import Testing
import AEData

@Suite struct DatasetTests {
    @Test("vectors of equal length become one row-major buffer")
    func vectorsAreStoredRowMajor() throws {
        let dataset = try Dataset(vectors: [[1, 2, 3], [4, 5, 6]])
        #expect(dataset.count == 2)
        #expect(dataset.dimension == 3)
        #expect(dataset.values == [1, 2, 3, 4, 5, 6])
        #expect(dataset.source == "inline")
        #expect(Array(dataset[1]) == [4, 5, 6])
    }

    @Test("ragged vectors are refused, naming the row and both lengths")
    func raggedVectorsAreRefused() {
        expectDataError(.ragged, containing: ["inline", "row 2", "has 2 values", "row 0 has 3"]) {
            _ = try Dataset(vectors: [[1, 2, 3], [4, 5, 6], [7, 8]])
        }
    }

    @Test("a NaN in inline vectors is refused, naming its row and column")
    func nanVectorIsRefused() {
        expectDataError(.nonFinite, containing: ["body.json", "row 1, column 2", "nan"]) {
            _ = try Dataset(vectors: [[1, 2, 3], [4, 5, .nan]], source: "body.json")
        }
    }

    @Test("an infinity in inline vectors is refused")
    func infinityVectorIsRefused() {
        expectDataError(.nonFinite, containing: ["row 0, column 0", "inf"]) {
            _ = try Dataset(vectors: [[-.infinity]])
        }
    }

    @Test("no vectors, or an empty first vector, is refused")
    func emptyVectorsAreRefused() {
        expectDataError(.empty, containing: ["inline", "none"]) { _ = try Dataset(vectors: []) }
        expectDataError(.empty, containing: ["inline", "row 0", "empty"]) { _ = try Dataset(vectors: [[]]) }
    }

    @Test("row-major values must split evenly into rows")
    func valuesMustSplitIntoRows() throws {
        let dataset = try Dataset(values: [1, 2, 3, 4], dimension: 2)
        #expect(dataset.count == 2)
        expectDataError(.ragged, containing: ["5 values", "rows of 2"]) {
            _ = try Dataset(values: [1, 2, 3, 4, 5], dimension: 2)
        }
    }

    @Test("prefix keeps the first samples and clamps to the count")
    func prefixKeepsFirstSamples() throws {
        let dataset = try Dataset(vectors: [[1, 2], [3, 4], [5, 6]])
        #expect(dataset.prefix(2).values == [1, 2, 3, 4])
        #expect(dataset.prefix(2).count == 2)
        #expect(dataset.prefix(10) == dataset)
    }
}

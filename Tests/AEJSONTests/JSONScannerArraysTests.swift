// Number arrays: flat, matrices, tensors of any depth, ragged rows, and errors inside them.
import Testing
import AEJSON

@Suite struct JSONScannerArraysTests {
    @Test("flat arrays read with any spacing, including empty")
    func flat() throws {
        var scanner = makeScanner("[1,2 , 3\n,-4.5e-1]")
        #expect(try scanner.readFloats() == [1, 2, 3, -0.45])
        var empty = makeScanner("[ ]")
        #expect(try empty.readFloats() == [])
    }

    @Test("matrices read row-major with their row and column counts")
    func matrix() throws {
        var scanner = makeScanner("[[1, 2, 3], [4, 5, 6]]")
        #expect(try scanner.readFloatMatrix() == FloatMatrix(values: [1, 2, 3, 4, 5, 6], rowCount: 2, columnCount: 3))
        var empty = makeScanner("[]")
        #expect(try empty.readFloatMatrix() == FloatMatrix(values: [], rowCount: 0, columnCount: 0))
        var emptyRows = makeScanner("[[], []]")
        #expect(try emptyRows.readFloatMatrix() == FloatMatrix(values: [], rowCount: 2, columnCount: 0))
    }

    @Test("tensors of any depth read flat with their shape")
    func tensors() throws {
        var cube = makeScanner("[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]")
        #expect(try cube.readFloatTensor() == FloatTensor(values: (1...12).map(Float.init), shape: [2, 3, 2]))
        var flat = makeScanner("[0.5]")
        #expect(try flat.readFloatTensor() == FloatTensor(values: [0.5], shape: [1]))
    }

    /// Arrays that are not the asked shape, each with the exact error expected.
    static let misshapen: [(name: String, text: String, rank: Int?, kind: JSONError.Kind, description: String)] = [
        ("short row", "[[1, 2], [3, 4], [5]]", 2, .ragged, "[2]: expected 2 elements like [0], found 1 at byte 17"),
        ("long row", "[[1, 2], [3, 4, 5]]", 2, .ragged, "[1]: expected 2 elements like [0], found 3 at byte 9"),
        ("empty row after full ones", "[[1], []]", 2, .ragged, "[1]: expected 1 elements like [0], found 0 at byte 6"),
        ("ragged in depth 3", "[[[1], [2]], [[3], [4, 5]]]", nil, .ragged, "[1][1]: expected 1 elements like [0][0], found 2 at byte 19"),
        ("row count differs at depth 2", "[[[1], [2]], [[3]]]", nil, .ragged, "[1]: expected 2 elements like [0], found 1 at byte 13"),
        ("number where a row belongs", "[[1, 2], 3]", 2, .typeMismatch, "[1]: expected an array, found 3 at byte 9"),
        ("row where a number belongs", "[1, [2]]", 1, .typeMismatch, "[1]: expected a number, found '[' at byte 4"),
        ("deeper than the first element", "[[1], [[2]]]", nil, .typeMismatch, "[1][0]: expected a number, found '[' at byte 7"),
        ("flat where rows belong", "[1, 2]", 2, .typeMismatch, "[0]: expected an array, found 1 at byte 1"),
        ("string element", #"[1, "2"]"#, 1, .typeMismatch, "[1]: expected a number, found \"2\" at byte 4"),
        ("null element", "[1, null]", 1, .typeMismatch, "[1]: expected a number, found null at byte 4"),
        ("trailing comma", "[1, 2,]", 1, .syntax, "[2]: expected a number, found ']' at byte 6"),
        ("missing comma", "[[1] [2]]", 2, .syntax, "[0]: expected ',' or ']' after an element, found '[' at byte 5"),
        ("not an array", #"{"a": 1}"#, 1, .typeMismatch, "(root): expected an array of numbers, found '{' at byte 0"),
        ("overflow", "[0, 3.5e38]", 1, .outOfRange, "[1]: 3.5e38 is beyond Float's range (±3.4028235e38) at byte 4"),
        ("unterminated", "[[1, 2], [3", 2, .syntax, "[1][0]: expected ',' or ']' after an element, found the end of the input at byte 11"),
    ]

    @Test("arrays of the wrong shape or content are refused with the exact path and offset", arguments: misshapen.indices)
    func misshapenArray(index: Int) {
        let (name, text, rank, kind, description) = Self.misshapen[index]
        let error = expectJSONError(kind, description) {
            var scanner = makeScanner(text)
            switch rank {
            case 1: _ = try scanner.readFloats()
            case 2: _ = try scanner.readFloatMatrix()
            default: _ = try scanner.readFloatTensor()
            }
        }
        #expect(error != nil, "\(name)")
    }

    @Test("arrays nested in a body name the full path in errors")
    func nestedPath() {
        let body = #"{"inputs": [{"data": [[1, 2], [3, 4, 5]]}]}"#
        expectJSONError(.ragged, "inputs[0].data[1]: expected 2 elements like inputs[0].data[0], found 3 at byte \(offset(of: "[3", in: body))") {
            var scanner = makeScanner(body)
            try scanner.beginObject()
            _ = try scanner.nextKey()
            try scanner.beginArray()
            _ = try scanner.nextElement()
            try scanner.beginObject()
            _ = try scanner.nextKey()
            _ = try scanner.readFloatMatrix()
        }
    }

    @Test("a 784-value body printed by Float.description reads back identically")
    func pixelBody() throws {
        var generator = SeededGenerator(seed: 7)
        let values = (0 ..< 784).map { _ in Float(generator.next() >> 40) / Float(1 << 24) }
        let body = "{\"vectors\": [[" + values.map(\.description).joined(separator: ", ") + "]]}"
        var scanner = makeScanner(body)
        try scanner.beginObject()
        #expect(try scanner.nextKey() == "vectors")
        let matrix = try scanner.readFloatMatrix()
        #expect(try scanner.nextKey() == nil)
        try scanner.finish()
        #expect(matrix.rowCount == 1 && matrix.columnCount == 784)
        #expect(matrix.values == values)
    }
}

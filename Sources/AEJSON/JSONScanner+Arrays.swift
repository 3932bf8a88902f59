// Number arrays, the bulk of every request: one tight loop per innermost array, straight from
// the bytes, with the path built only when something is wrong.

extension JSONScanner {
    /// Reads `[f, …]` into Floats, each rounded as `Float(String)` rounds it.
    public mutating func readFloats() throws(JSONError) -> [Float] {
        try readTensor(rank: 1).values
    }

    /// Reads `[[f, …], …]` into one row-major array; rows of different lengths are an error
    /// naming the row, e.g. `vectors[3]: expected 784 elements like vectors[0], found 783`.
    public mutating func readFloatMatrix() throws(JSONError) -> FloatMatrix {
        let tensor = try readTensor(rank: 2)
        return FloatMatrix(values: tensor.values, rowCount: tensor.shape[0], columnCount: tensor.shape[1])
    }

    /// Reads nested number arrays of any depth (`[1, 2]`, `[[1, 2], [3, 4]]`, …) that form a
    /// rectangular block, flattened row-major.
    public mutating func readFloatTensor() throws(JSONError) -> FloatTensor {
        try readTensor(rank: nil)
    }

    private mutating func readTensor(rank: Int?) throws(JSONError) -> FloatTensor {
        let start = Self.skipWhitespace(text, offset)
        offset = start
        valueStart = start
        guard text[start] == UInt8(ascii: "[") else {
            let what = rank == 2 ? "an array of arrays of numbers" : "an array of numbers"
            let kind: JSONError.Kind = startsValue(at: start)
                ? .typeMismatch : .syntax
            throw error(kind, at: start, "expected \(what), found \(found(at: start))")
        }
        var reader = TensorReader(scanner: self, rank: rank, depthLimit: maximumDepth - depth)
        try reader.readArray(at: start, depth: 0)
        offset = reader.position
        let shape = (0 ..< (reader.rank ?? 1)).map { $0 < reader.shape.count ? max(reader.shape[$0], 0) : 0 }
        return FloatTensor(values: reader.values, shape: shape)
    }
}

/// The state of one `readTensor` call: position, values so far, and the shape as discovered.
private struct TensorReader {
    let scanner: JSONScanner
    let text: UnsafePointer<UInt8>
    /// The depth of innermost arrays plus one; nil until the first innermost array is met.
    var rank: Int?
    let depthLimit: Int
    var position = 0
    var values: [Float] = []
    /// Length of the first array met at each depth; -1 while none was.
    var shape: [Int] = []
    /// Index of the current element at each open depth, for error paths.
    var indices: [Int] = []
    let basePath: JSONPath

    init(scanner: JSONScanner, rank: Int?, depthLimit: Int) {
        self.scanner = scanner
        text = scanner.text
        self.rank = rank
        self.depthLimit = depthLimit
        basePath = scanner.path
    }

    /// The path of the element at `indices` (all open depths).
    func path(_ indices: some Sequence<Int>) -> JSONPath {
        JSONPath(components: basePath.components + indices.map { .index($0) })
    }

    /// Reads the array whose `[` is at `start`, `depth` levels below the tensor's root.
    mutating func readArray(at start: Int, depth: Int) throws(JSONError) {
        guard depth < depthLimit else {
            throw JSONError(.tooDeep, at: path(indices), offset: start,
                            "arrays and objects nest deeper than \(scanner.maximumDepth) levels")
        }
        position = start + 1
        if rank == nil {
            // The first array whose first element is not an array fixes the depth of all.
            let next = JSONScanner.skipWhitespace(text, position)
            if text[next] != UInt8(ascii: "[") { rank = depth + 1 }
        }
        let length = depth + 1 == rank ? try readNumbers(depth: depth) : try readArrays(depth: depth)
        if shape.count <= depth { shape += repeatElement(-1, count: depth + 1 - shape.count) }
        if shape[depth] < 0 {
            shape[depth] = length
        } else if shape[depth] != length {
            let reference = path(indices.prefix(depth).map { _ in 0 })
            throw JSONError(.ragged, at: path(indices), offset: start,
                            "expected \(shape[depth]) elements like \(reference), found \(length)")
        }
    }

    /// Reads the elements of an array of arrays; `position` is just after its `[`.
    private mutating func readArrays(depth: Int) throws(JSONError) -> Int {
        var i = JSONScanner.skipWhitespace(text, position)
        if text[i] == UInt8(ascii: "]") {
            position = i + 1
            return 0
        }
        var length = 0
        indices.append(0)
        while true {
            indices[depth] = length
            guard text[i] == UInt8(ascii: "[") else {
                let kind: JSONError.Kind = scanner.startsValue(at: i)
                    ? .typeMismatch : .syntax
                throw JSONError(kind, at: path(indices), offset: i,
                                "expected an array, found \(scanner.found(at: i))")
            }
            try readArray(at: i, depth: depth + 1)
            length += 1
            i = JSONScanner.skipWhitespace(text, position)
            if text[i] == UInt8(ascii: ",") {
                i = JSONScanner.skipWhitespace(text, i + 1)
            } else if text[i] == UInt8(ascii: "]") {
                break
            } else {
                throw JSONError(.syntax, at: path(indices), offset: i,
                                "expected ',' or ']' after an element, found \(scanner.found(at: i))")
            }
        }
        indices.removeLast()
        position = i + 1
        return length
    }

    /// Reads the numbers of an innermost array; `position` is just after its `[`.
    private mutating func readNumbers(depth: Int) throws(JSONError) -> Int {
        var i = JSONScanner.skipWhitespace(text, position)
        if text[i] == UInt8(ascii: "]") {
            position = i + 1
            return 0
        }
        var length = 0
        while true {
            let start = i
            var end = i
            let number = try scanner.scanNumber(at: start, end: &end, path: path(indices + [length]))
            let value = number.fastFloat() ?? DecimalNumber.slowValue(text, from: start, to: end, as: Float.self)
            guard let value, value.isFinite else {
                throw JSONError(.outOfRange, at: path(indices + [length]), offset: start,
                                "\(scanner.found(at: start)) is beyond Float's range (±3.4028235e38)")
            }
            values.append(value)
            length += 1
            i = end
            if JSONScanner.isWhitespace(text[i]) { i = JSONScanner.skipWhitespace(text, i) }
            if text[i] == UInt8(ascii: ",") {
                i = JSONScanner.skipWhitespace(text, i + 1)
            } else if text[i] == UInt8(ascii: "]") {
                break
            } else {
                throw JSONError(.syntax, at: path(indices + [length - 1]), offset: i,
                                "expected ',' or ']' after an element, found \(scanner.found(at: i))")
            }
        }
        position = i + 1
        return length
    }
}

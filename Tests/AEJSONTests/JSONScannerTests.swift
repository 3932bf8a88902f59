// The pull parser on whole request bodies: walking objects and arrays, scalars, unknown and
// duplicate keys, depth limits, and errors that name the path and byte offset.
import Testing
import AEJSON

@Suite struct JSONScannerTests {
    @Test("a {vectors, model} body reads into a matrix and a name, reporting the unknown key")
    func vectorsBody() throws {
        let body = #"{"vectors": [[0.5, 1e-3, -2], [0, 0.25, 3.5]], "model": "mnist-ae", "debug": {"x": [true, null]}}"#
        var scanner = makeScanner(body)
        var matrix: FloatMatrix?
        var model: String?
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "vectors": matrix = try scanner.readFloatMatrix()
            case "model": model = try scanner.readString()
            default: try scanner.skipUnknownValue()
            }
        }
        try scanner.finish()
        #expect(matrix == FloatMatrix(values: [0.5, 1e-3, -2, 0, 0.25, 3.5], rowCount: 2, columnCount: 3))
        #expect(model == "mnist-ae")
        #expect(scanner.unknownKeys.map(\.description) == ["debug"])
    }

    /// One KServe V2 input, read the way the service reads it.
    struct Input: Equatable {
        var name = "", datatype = "", shape: [Int] = [], data = FloatTensor(values: [], shape: [0])
        var binaryDataSize: Int?
    }

    static func readInputs(_ body: String) throws -> (id: String?, inputs: [Input], unknown: [String]) {
        var scanner = makeScanner(body)
        var id: String?
        var inputs: [Input] = []
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "id": id = try scanner.readString()
            case "inputs":
                try scanner.beginArray()
                while try scanner.nextElement() {
                    var input = Input()
                    var seen: Set<String> = []
                    try scanner.beginObject()
                    while let field = try scanner.nextKey() {
                        seen.insert(field)
                        switch field {
                        case "name": input.name = try scanner.readString()
                        case "datatype":
                            input.datatype = try scanner.readString()
                            guard input.datatype == "FP32" else {
                                throw scanner.invalidValue("expected \"FP32\", found \"\(input.datatype)\"")
                            }
                        case "shape":
                            try scanner.beginArray()
                            while try scanner.nextElement() { input.shape.append(try scanner.readInteger()) }
                        case "data": input.data = try scanner.readFloatTensor()
                        case "parameters":
                            try scanner.beginObject()
                            while let parameter = try scanner.nextKey() {
                                if parameter == "binary_data_size" { input.binaryDataSize = try scanner.readInteger() } else { try scanner.skipUnknownValue() }
                            }
                        default: try scanner.skipUnknownValue()
                        }
                    }
                    guard seen.contains("name") else { throw scanner.invalidValue("missing key \"name\"") }
                    inputs.append(input)
                }
            default: try scanner.skipUnknownValue()
            }
        }
        try scanner.finish()
        return (id, inputs, scanner.unknownKeys.map(\.description))
    }

    @Test("a KServe V2 request reads nested data, shape, parameters, and reports unknown keys by path")
    func kserveBody() throws {
        let body = """
        {"id": "42", "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32",
          "data": [[1, 2, 3], [4, 5, 6]], "parameters": {"binary_data_size": 0, "sequence_id": 7}},
          {"name": "y", "shape": [2], "datatype": "FP32", "data": [0.5, -0.5]}],
         "outputs": [{"name": "z", "parameters": {"binary_data": true}}], "priority": 1}
        """
        let result = try Self.readInputs(body)
        #expect(result.id == "42")
        #expect(result.inputs.count == 2)
        #expect(result.inputs[0] == Input(name: "x", datatype: "FP32", shape: [2, 3],
                                          data: FloatTensor(values: [1, 2, 3, 4, 5, 6], shape: [2, 3]), binaryDataSize: 0))
        #expect(result.inputs[1].data == FloatTensor(values: [0.5, -0.5], shape: [2]))
        #expect(result.unknown == ["inputs[0].parameters.sequence_id", "outputs", "priority"])
    }

    @Test("a value the caller refuses, or a missing key, is reported at its path and offset")
    func callerErrors() {
        let body = #"{"inputs": [{"name": "x", "datatype": "INT8"}]}"#
        expectJSONError(.invalidValue, "inputs[0].datatype: expected \"FP32\", found \"INT8\" at byte \(offset(of: "\"INT8", in: body))") {
            _ = try Self.readInputs(body)
        }
        let missing = #"{"inputs": [{"name": "x"}, {"shape": []}]}"#
        expectJSONError(.invalidValue, "inputs[1]: missing key \"name\" at byte \(offset(of: "{\"shape", in: missing))") {
            _ = try Self.readInputs(missing)
        }
    }

    @Test("a non-number inside vectors names its row, column and byte")
    func numberErrorPath() {
        let body = #"{"vectors": [[1, 2, 3], [4, 5, "abc"]]}"#
        expectJSONError(.typeMismatch, "vectors[1][2]: expected a number, found \"abc\" at byte \(offset(of: "\"abc", in: body))") {
            var scanner = makeScanner(body)
            try scanner.beginObject()
            _ = try scanner.nextKey()
            _ = try scanner.readFloatMatrix()
        }
    }

    @Test("scalars: numbers, integers, booleans, null, and refusals of the wrong kind")
    func scalars() throws {
        let text = #"[1.5, -3, true, false, null, 12345678901234567890, 2.0, "s", 1e2, tru]"#
        func at(_ fragment: String) -> Int { offset(of: fragment, in: text) }
        var scanner = makeScanner(text)
        try scanner.beginArray()
        #expect(try scanner.nextElement())
        #expect(try scanner.readDouble() == 1.5)
        #expect(try scanner.nextElement())
        #expect(try scanner.readInteger() == -3)
        #expect(try scanner.nextElement())
        #expect(try scanner.peek() == .boolean)
        #expect(try scanner.readBoolean() == true)
        #expect(try scanner.nextElement())
        #expect(try scanner.readBoolean() == false)
        #expect(try scanner.nextElement())
        #expect(try scanner.readNullIfPresent())
        #expect(try scanner.nextElement())
        expectJSONError(.outOfRange, "[5]: 12345678901234567890 is beyond Int's range at byte \(at("1234"))") { _ = try scanner.readInteger() }
        try scanner.skipValue()
        #expect(try scanner.nextElement())
        expectJSONError(.typeMismatch, "[6]: expected an integer, found 2.0 at byte \(at("2.0"))") { _ = try scanner.readInteger() }
        try scanner.skipValue()
        #expect(try scanner.nextElement())
        #expect(try !scanner.readNullIfPresent())
        expectJSONError(.typeMismatch, "[7]: expected a number, found \"s\" at byte \(at("\"s"))") { _ = try scanner.readNumber() }
        expectJSONError(.typeMismatch, "[7]: expected true or false, found \"s\" at byte \(at("\"s"))") { _ = try scanner.readBoolean() }
        #expect(try scanner.readString() == "s")
        #expect(try scanner.nextElement())
        expectJSONError(.typeMismatch, "[8]: expected an integer, found 1e2 at byte \(at("1e2"))") { _ = try scanner.readInteger() }
        try scanner.skipValue()
        #expect(try scanner.nextElement())
        #expect(try scanner.peek() == .boolean, "peek judges by the first byte")
        expectJSONError(.syntax, "[9]: expected true or false, found tru at byte \(at("tru]"))") { _ = try scanner.readBoolean() }
    }

    @Test("peek names the kind of every value without consuming it")
    func peekKinds() throws {
        var scanner = makeScanner(#" [{}, [], "", -1, 0, true, false, null] "#)
        try scanner.beginArray()
        var kinds: [JSONScanner.ValueKind] = []
        while try scanner.nextElement() {
            kinds.append(try scanner.peek())
            try scanner.skipValue()
        }
        try scanner.finish()
        #expect(kinds == [.object, .array, .string, .number, .number, .boolean, .boolean, .null])
    }

    @Test("duplicate keys are refused at their path, or allowed when asked")
    func duplicateKeys() throws {
        let body = #"{"a": {"b": 1, "c": 2, "b": 3}}"#
        expectJSONError(.duplicateKey, "a.b: the key \"b\" appears twice in one object at byte \(offset(of: "\"b\": 3", in: body))") {
            var scanner = makeScanner(body)
            try scanner.skipValue()
        }
        var lenient = makeScanner(body, rejectingDuplicateKeys: false)
        try lenient.skipValue()
        try lenient.finish()
        // The same key in sibling objects is not a duplicate.
        var siblings = makeScanner(#"[{"a": 1}, {"a": 2}]"#)
        try siblings.skipValue()
    }

    @Test("nesting up to the limit is read; one level deeper is refused without exhausting the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var scanner = makeScanner(deep)
        try scanner.skipValue()
        try scanner.finish()
        var tensorScanner = makeScanner(String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64))
        #expect(try tensorScanner.readFloatTensor().shape == Array(repeating: 1, count: 64))

        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        expectJSONError(.tooDeep, "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: arrays and objects nest deeper than 64 levels at byte 64") {
            var scanner = makeScanner(tooDeep)
            try scanner.skipValue()
        }
        // A hostile body: a million brackets stop at the limit.
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONError.self) {
            var scanner = makeScanner(hostile)
            try scanner.skipValue()
        }
        #expect(throws: JSONError.self) {
            var scanner = makeScanner(hostile)
            _ = try scanner.readFloatTensor()
        }
        var objects = makeScanner(String(repeating: #"{"a":"#, count: 100), maximumDepth: 10)
        let error = try #require(throws: JSONError.self) { try objects.skipValue() }
        #expect(error.kind == .tooDeep && error.path.components.count == 10)
    }

    /// Malformed documents, each with the exact error expected.
    static let malformed: [(name: String, text: String, kind: JSONError.Kind, description: String)] = [
        ("empty input", "", .syntax, "(root): expected a value, found the end of the input at byte 0"),
        ("only spaces", "  \n", .syntax, "(root): expected a value, found the end of the input at byte 3"),
        ("trailing comma in array", "[1,]", .syntax, "[1]: expected a value, found ']' at byte 3"),
        ("trailing comma in object", #"{"a":1,}"#, .syntax, "a: expected a key after ',', found '}' at byte 7"),
        ("missing comma", "[1 2]", .syntax, "[0]: expected ',' or ']' after an element, found 2 at byte 3"),
        ("missing colon", #"{"a" 1}"#, .syntax, "(root): expected ':' after the key \"a\", found 1 at byte 5"),
        ("unquoted key", "{a:1}", .syntax, "(root): expected a key or '}', found a at byte 1"),
        ("single quotes", "['a']", .syntax, "[0]: expected a value, found ''' at byte 1"),
        ("unclosed array", "[1, 2", .syntax, "[1]: expected ',' or ']' after an element, found the end of the input at byte 5"),
        ("unclosed object", #"{"a": 1"#, .syntax, "a: expected ',' or '}' after a member, found the end of the input at byte 7"),
        ("trailing data", "[1] x", .syntax, "(root): expected the end of the document, found x at byte 4"),
        ("two documents", "{} {}", .syntax, "(root): expected the end of the document, found '{' at byte 3"),
        ("NaN in an array", "[NaN]", .syntax, "[0]: expected a value, found NaN at byte 1"),
        ("bad literal", "[nul]", .syntax, "[0]: expected null, found nul at byte 1"),
        ("leading zero", "[01]", .syntax, "[0]: invalid number 01: a number cannot have a leading zero at byte 1"),
        ("number glued to letters", "[1.5x]", .syntax, "[0]: expected a number, found 1.5x at byte 1"),
        ("a byte outside ASCII", "[\u{7F}]", .syntax, "[0]: expected a value, found the byte 0x7F at byte 1"),
        ("overflow", "[1e400]", .outOfRange, "[0]: 1e400 is beyond Double's range (±1.7976931348623157e308) at byte 1"),
    ]

    @Test("malformed documents are refused with the exact path, message and offset", arguments: malformed.indices)
    func malformedDocument(index: Int) {
        let (name, text, kind, description) = Self.malformed[index]
        let error = expectJSONError(kind, description) {
            var scanner = makeScanner(text)
            // Read numbers as Float except the overflow case, which checks Double's message.
            if name == "overflow" {
                try scanner.beginArray()
                _ = try scanner.nextElement()
                _ = try scanner.readDouble()
            } else {
                try scanner.skipValue()
            }
            try scanner.finish()
        }
        #expect(error != nil, "\(name)")
    }

    @Test("a byte order mark and every kind of JSON whitespace are skipped")
    func whitespace() throws {
        var scanner = JSONScanner([0xEF, 0xBB, 0xBF] + Array(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] }\r\n".utf8))
        try scanner.beginObject()
        #expect(try scanner.nextKey() == "a")
        #expect(try scanner.readFloats() == [1, 2])
        #expect(try scanner.nextKey() == nil)
        try scanner.finish()
    }

    @Test("a scanner over raw bytes reads the same as over an array")
    func rawBytes() throws {
        let bytes = Array("[[1, 2], [3, 4]]".utf8)
        let matrix = try bytes.withUnsafeBytes { (raw) throws(JSONError) -> FloatMatrix in
            var scanner = JSONScanner(raw)
            return try scanner.readFloatMatrix()
        }
        #expect(matrix == FloatMatrix(values: [1, 2, 3, 4], rowCount: 2, columnCount: 2))
    }

    @Test("paths render keys after dots, odd keys in brackets, and the root by name")
    func pathDescriptions() {
        #expect(JSONPath.root.description == "(root)")
        let path = JSONPath(components: [.key("inputs"), .index(0), .key("data"), .index(17)])
        #expect(path.description == "inputs[0].data[17]")
        #expect(JSONPath(components: [.key("a b"), .key("x\"y"), .key("_ok-1"), .key("1st")]).description
            == #"["a b"]["x\"y"]._ok-1["1st"]"#)
        #expect(JSONPath(components: [.index(2)]).appending(.key("k")).description == "[2].k")
    }
}

// One test per malformed file: each must be refused with a message naming the problem.
import AECheckpoint
import Testing

@Suite struct SafeTensorsValidationTests {
    @Test func fileShorterThanTheLengthPrefixIsTruncated() {
        let error = expectDecodeError([1, 0, 0, 0, 0], mentions: ["model.safetensors", "5 bytes", "truncated"])
        guard case .truncated? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func headerLengthPastTheEndOfTheFileIsRefused() {
        var bytes = rawSafeTensors(header: #"{}"#)
        bytes[0] = 200
        let error = expectDecodeError(bytes, mentions: ["header length 200", "past the end", "10 bytes"])
        guard case .headerPastEnd? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func headerLengthOverTheCapIsRefused() {
        let bytes: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 32, count: 16)
        let error = expectDecodeError(bytes, mentions: ["header length 72057594037927936", "100000000-byte limit"])
        guard case .headerTooLarge? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func headerThatIsNotJSONIsRefused() {
        let error = expectDecodeError(rawSafeTensors(header: #"{"a": [1, 2"#), mentions: ["invalid header", "not valid JSON"])
        guard case .invalidHeader? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func headerThatIsNotAnObjectIsRefused() {
        _ = expectDecodeError(rawSafeTensors(header: "[1, 2]"), mentions: ["expected a JSON object, found an array"])
    }

    @Test func entryWithoutDtypeIsRefused() {
        let header = #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1])), mentions: ["tensor 'w'", "no 'dtype'"])
    }

    @Test func entryWithShapeThatIsNotAnArrayIsRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1])),
                              mentions: ["tensor 'w'", "'shape' is a string"])
    }

    @Test func entryWithMalformedDataOffsetsIsRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1])),
                              mentions: ["tensor 'w'", "'data_offsets' is [0]", "two non-negative integers"])
    }

    @Test func metadataWithANonStringValueIsRefused() {
        let header = #"{"__metadata__": {"epochs": 3}}"#
        _ = expectDecodeError(rawSafeTensors(header: header), mentions: ["__metadata__", "'epochs'", "only strings"])
    }

    @Test func unsupportedDtypeNamesTensorAndDtype() {
        let header = #"{"labels": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}"#
        let error = expectDecodeError(rawSafeTensors(header: header, data: Array(repeating: 0, count: 8)),
                                      mentions: ["tensor 'labels'", "dtype I32"])
        guard case .unsupportedDtype(_, "labels", "I32")? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    @Test func negativeShapeDimensionIsRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header), mentions: ["tensor 'w'", "[2, -1]", "dimension 1 is negative"])
    }

    @Test func nonIntegerShapeDimensionIsRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1])),
                              mentions: ["tensor 'w'", "dimension 0 is 1.5, not an integer"])
    }

    @Test func offsetsThatEndBeforeTheyStartAreRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1])),
                              mentions: ["tensor 'w'", "data_offsets [4, 0]", "end before they start"])
    }

    @Test func offsetsPastTheDataAreRefused() {
        let header = #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#
        let error = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1, 2])),
                                      mentions: ["tensor 'w'", "data_offsets [0, 16]", "(8 bytes)", "truncated"])
        guard case .offsetsOutOfRange? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func offsetsThatDoNotMatchTheShapeAreRefused() {
        let header = #"{"encoder.0.weight": {"dtype": "F32", "shape": [512, 784], "data_offsets": [0, 1000]}}"#
        let error = expectDecodeError(rawSafeTensors(header: header, data: Array(repeating: 0, count: 1000)), mentions: [])
        #expect(error?.description == """
            model.safetensors: tensor 'encoder.0.weight' data_offsets [0, 1000] do not match \
            shape [512, 784] of F32 (1605632 bytes)
            """)
    }

    @Test func overlappingTensorsAreRefused() {
        let header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1, 2, 3])),
                              mentions: ["'a' data_offsets [0, 8]", "'b' data_offsets [4, 12]", "overlap"])
    }

    @Test func holeBetweenTensorsIsRefused() {
        let header = """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
            """
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1, 2, 3])),
                              mentions: ["bytes [4, 8)", "after tensor 'a'", "belong to no tensor"])
    }

    @Test func trailingBytesAfterTheLastTensorAreRefused() {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([1, 2])),
                              mentions: ["4 trailing bytes", "8 bytes"])
    }

    @Test func nanWeightIsRefusedWithTensorAndIndex() {
        let header = #"{"encoder.0.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}"#
        let error = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([0, 1, .nan, 3])),
                                      mentions: ["tensor 'encoder.0.weight'", "nan", "flat index 2"])
        guard case .nonFinite(_, "encoder.0.weight", 2, _)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    @Test func infiniteWeightIsRefusedWithTensorAndIndex() {
        let header = #"{"decoder.2.bias": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}"#
        _ = expectDecodeError(rawSafeTensors(header: header, data: float32Bytes([0, 1, -.infinity])),
                              mentions: ["tensor 'decoder.2.bias'", "-inf", "flat index 2"])
    }
}

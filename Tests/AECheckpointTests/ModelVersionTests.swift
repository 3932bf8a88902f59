// Version numbers where they enter: canonical digits from 1 to 2^31 − 1, every other text
// refused with its reason, and no text can make the parse trap.
import AECheckpoint
import Testing

@Suite struct ModelVersionTests {
    @Test("canonical numbers from 1 to 2^31 − 1 are versions", arguments: [
        ("1", 1), ("7", 7), ("10", 10), ("2147483647", 2_147_483_647),
    ])
    func accepted(text: String, version: Int) throws {
        #expect(try ModelVersion.parse(text).get() == version)
        #expect(ModelVersion.problem(with: version) == nil)
    }

    @Test("every other text is refused with its reason", arguments: [
        ("abc", "not a whole number"), ("", "not a whole number"), ("1.5", "not a whole number"), ("+4", "not a whole number"),
        (" 4", "not a whole number"), ("٣", "not a whole number"), ("007", "leading zeros (name it '7')"), ("0", "version 0"),
        ("000", "version 0"), ("-1", "negative"), ("-9223372036854775808", "negative"),
        ("2147483648", "above the highest version 2147483647"),
        ("9223372036854775807", "above the highest version 2147483647"),
        ("99999999999999999999999999999999", "above the highest version 2147483647"),
        ("00000000000000000000000000000000001", "leading zeros (name it '1')"),
    ])
    func refused(text: String, reason: String) {
        guard case .failure(let error) = ModelVersion.parse(text) else {
            Issue.record("'\(text)' was taken for a version")
            return
        }
        #expect(error.reason.contains(reason), "\(error)")
        #expect(error.description.hasPrefix("'\(text.prefix(64))' is not a version"), "\(error)")
    }

    @Test("numbers out of range name the range", arguments: [0, -1, 2_147_483_648, Int.max, Int.min])
    func outOfRange(value: Int) {
        #expect(ModelVersion.problem(with: value)?.contains("positive whole numbers up to 2147483647") == true)
    }
}

// Version numbers where they enter (folder names, URLs, request bodies, activation files):
// 1 ... 2^31 − 1 in canonical digits, so that next-version arithmetic cannot overflow.

/// The rules for model version numbers, checked wherever a version comes in.
public enum ModelVersion {
    /// The highest version: 2^31 − 1, so that every client (JSON numbers, OIP's version
    /// strings, tools that read an Int32) holds it exactly and `highest + 1` cannot trap.
    public static let highest = 2_147_483_647

    /// Every allowed version.
    public static let range = 1...highest

    /// The version that `text` (a folder name or a URL segment) names, or why it names none.
    ///
    ///     ModelVersion.parse("12")   // .success(12)
    ///     ModelVersion.parse("007")  // .failure: "it has leading zeros (name it '7')"
    public static func parse(_ text: some StringProtocol) -> Result<Int, ModelVersionError> {
        let bytes = Array(text.utf8)
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        func failure(_ reason: String) -> Result<Int, ModelVersionError> { .failure(ModelVersionError(text, reason)) }
        if bytes.count > 1, bytes[0] == UInt8(ascii: "-"), bytes.dropFirst().allSatisfy(isDigit) {
            return failure("it is negative; versions start at 1")
        }
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return failure("it is not a whole number") }
        let significant = bytes.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return failure("version 0 is not allowed; versions start at 1") }
        // More than 10 digits is above the highest before any conversion, so Int cannot overflow.
        guard significant.count <= 10, let value = Int(String(decoding: significant, as: UTF8.self)), value <= highest else {
            return failure("it is above the highest version \(highest)")
        }
        if significant.count != bytes.count { return failure("it has leading zeros (name it '\(value)')") }
        return .success(value)
    }

    /// Why `value` is not an allowed version, or nil when it is.
    public static func problem(with value: Int) -> String? {
        range.contains(value) ? nil : "version \(value) is out of range; versions are positive whole numbers up to \(highest)"
    }
}

/// A text that is not a version number, and why.
public struct ModelVersionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text, cut to 64 characters.
    public let text: String
    /// Why it is not a version.
    public let reason: String

    init(_ text: some StringProtocol, _ reason: String) {
        self.text = String(text.prefix(64))
        self.reason = reason
    }

    public var description: String { "'\(text)' is not a version: \(reason)" }
}

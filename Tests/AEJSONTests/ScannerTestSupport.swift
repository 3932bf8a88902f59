// Helpers for scanner tests: scanning text, and expecting a JSONError with a given rendering.
import Testing
import AEJSON

/// A scanner over the UTF-8 of `text`.
func makeScanner(_ text: String, rejectingDuplicateKeys: Bool = true, maximumDepth: Int = 64) -> JSONScanner {
    JSONScanner(Array(text.utf8), maximumDepth: maximumDepth, rejectingDuplicateKeys: rejectingDuplicateKeys)
}

/// The byte offset of the first `fragment` in `text`, for expected error offsets.
func offset(of fragment: String, in text: String) -> Int {
    let bytes = Array(text.utf8), needle = Array(fragment.utf8)
    for start in 0 ... bytes.count - needle.count where Array(bytes[start ..< start + needle.count]) == needle {
        return start
    }
    return -1
}

/// Expects `body` to throw a JSONError of `kind` whose description is exactly `description`.
@discardableResult
func expectJSONError(
    _ kind: JSONError.Kind, _ description: String,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> JSONError? {
    do {
        try body()
        Issue.record("expected \(kind): \(description); nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as JSONError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description == description, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a JSONError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

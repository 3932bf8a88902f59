// Runs a JSON scanner over a body and maps every failure to the API's error shape.
import AEJSON

/// Reads `body` with `read`; JSON errors become 400/422, an `APIError` thrown by `read` passes
/// through, and `finish()` is checked so nothing may follow the document.
func scanJSON<T>(_ body: [UInt8], _ read: (inout JSONScanner) throws -> T) throws(APIError) -> T {
    var scanner = JSONScanner(body)
    do {
        let value = try read(&scanner)
        try scanner.finish()
        return value
    } catch let error as JSONError {
        throw APIError(json: error)
    } catch let error as APIError {
        throw error
    } catch {
        throw APIError.malformed("\(error)")
    }
}

// Bodies without float arrays are Codable types; this reads one with the same rules as the
// float-array routes: JSON syntax, UTF-8, duplicate keys and depth checked by AEJSON's scanner
// (errors name the byte offset), then the type's own fields (errors name the field path).
import AEJSON
import AEModel
import Foundation

/// Decodes `body` as `T`, refusing malformed JSON, duplicate keys, unknown fields and wrong
/// types with a 400 or 422 that names the byte offset or the field.
func decodeStrictJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(APIError) -> T {
    try scanJSON(body) { scanner in
        guard try scanner.peek() == .object else { throw APIError.malformed("the body must be a JSON object") }
        try scanner.skipValue()
    }
    do {
        return try JSONDecoder().decode(T.self, from: Data(body))
    } catch let error as UnknownKeyError {
        throw APIError.invalid("unknown_field", error.description)
    } catch let error as DecodingError {
        throw APIError.invalid("invalid_field", error.fieldMessage)
    } catch let error as APIError {
        throw error
    } catch {
        throw APIError.invalid("invalid_field", "\(error)")
    }
}

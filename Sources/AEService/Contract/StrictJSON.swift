// Bodies without float arrays are Codable types, read by AEJSON's StrictJSONDecoder with the
// rules of the float-array routes: duplicate keys, UTF-8 and depth checked, every error naming
// the byte offset and the field path.
import AEJSON
import AEModel
import Foundation

/// Decodes `body` as `T`, refusing malformed JSON (400) and valid JSON that breaks the contract
/// (422: unknown fields, wrong types, numbers out of range) with messages that name the field.
func decodeStrictJSON<T: Decodable>(_ type: T.Type, from body: [UInt8],
                                   userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws(APIError) -> T {
    do {
        return try StrictJSONDecoder.decode(T.self, from: body, userInfo: userInfo)
    } catch let error as JSONError {
        switch error.kind {
        case .syntax, .tooDeep, .duplicateKey: throw .malformed("invalid JSON: \(error.description)")
        case .typeMismatch, .outOfRange, .invalidValue, .ragged: throw .invalid("invalid_field", error.description)
        }
    } catch let error as TooManyLayersError {
        throw APIError.invalid("model_too_large", error.description)
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

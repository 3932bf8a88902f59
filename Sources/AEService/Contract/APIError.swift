// The one error type the API answers with: a status, a stable machine-readable code and a
// message that names the field, index and what was expected.

/// An error answer: `{"error": {"code": …, "message": …}}` with `status`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// A stable identifier such as `dimension_mismatch`.
    public var code: String
    /// What went wrong, for a person.
    public var message: String
    /// Seconds after which a retry may succeed (`Retry-After`), where waiting helps.
    public var retryAfterSeconds: Int?

    /// An error with the given status, code and message.
    public init(_ status: Int, _ code: String, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// 400: the body is not valid JSON or not the expected shape.
    public static func malformed(_ message: String) -> APIError { APIError(400, "malformed_request", message) }
    /// 404: no such model, version, job or route.
    public static func notFound(_ code: String, _ message: String) -> APIError { APIError(404, code, message) }
    /// 409: the request conflicts with the current state.
    public static func conflict(_ code: String, _ message: String) -> APIError { APIError(409, code, message) }
    /// 422: valid JSON that breaks the contract.
    public static func invalid(_ code: String, _ message: String) -> APIError { APIError(422, code, message) }
    /// 429: a bounded queue is full; a retry after a while may find room.
    public static func queueFull(_ message: String) -> APIError {
        APIError(429, "queue_full", message, retryAfterSeconds: 30)
    }
    /// 503: not ready, or draining; another replica, or this one shortly, may answer.
    public static func unavailable(_ message: String) -> APIError {
        APIError(503, "unavailable", message, retryAfterSeconds: 5)
    }
    /// 500: a bug; the message says what failed.
    public static func internalError(_ message: String) -> APIError { APIError(500, "internal_error", message) }
}

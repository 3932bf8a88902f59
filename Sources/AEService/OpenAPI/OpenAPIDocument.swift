// The OpenAPI 3.1 document of the API, served at /openapi.json. Its source is openapi.json at
// the top of the repository, embedded by scripts/embed-openapi.sh.

/// The API's OpenAPI document.
public enum OpenAPIDocument {
    /// The document as UTF-8 bytes.
    public static let bytes: [UInt8] = Array(text.utf8)
}

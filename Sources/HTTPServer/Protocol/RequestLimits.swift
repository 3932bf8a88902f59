// The sizes a request may reach before the server refuses it; one value shared by the
// parser, the body decoders and the server's configuration.

/// Upper bounds on a request's parts, with nginx-like defaults.
public struct RequestLimits: Sendable, Equatable {
    /// Longest request line, without its CRLF (over it: 414).
    public var maxRequestLineLength: Int
    /// Longest header block after the request line (over it: 431).
    public var maxHeaderBlockSize: Int
    /// Most header fields (over it: 431).
    public var maxHeaderCount: Int
    /// Largest body as sent, declared or read (over it: 413).
    public var maxBodySize: Int
    /// Largest body after gzip inflation (over it: 413).
    public var maxInflatedBodySize: Int
    /// Longest chunk-size line with its extensions, and longest trailer section (over it: 400).
    public var maxChunkLineLength: Int

    /// Limits with the defaults: 8 KiB line, 16 KiB / 100 fields, 16 MiB body, 16 MiB inflated.
    public init(maxRequestLineLength: Int = 8 * 1024, maxHeaderBlockSize: Int = 16 * 1024,
                maxHeaderCount: Int = 100, maxBodySize: Int = 16 * 1024 * 1024,
                maxInflatedBodySize: Int = 16 * 1024 * 1024, maxChunkLineLength: Int = 4 * 1024) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBlockSize = maxHeaderBlockSize
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
        self.maxInflatedBodySize = maxInflatedBodySize
        self.maxChunkLineLength = maxChunkLineLength
    }
}

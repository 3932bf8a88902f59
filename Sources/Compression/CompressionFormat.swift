// The two containers zlib wraps a deflate stream in.

/// A deflate stream's wrapper: gzip (RFC 1952) or zlib (RFC 1950, HTTP's `deflate` coding).
public enum CompressionFormat: Sendable, Hashable {
    /// A gzip member: 10-byte header, deflate data, CRC-32 and size trailer; members may follow
    /// one another (RFC 1952 §2.2).
    case gzip
    /// A zlib stream: 2-byte header, deflate data, Adler-32 trailer (RFC 1950).
    case zlib
}

// Client strings quoted back in messages are cut to a bounded length: a 15 MiB model name
// must not come back in a 15 MiB answer, or a log line.

/// `text` as given when it is at most `limit` bytes of UTF-8; else its first `limit` characters
/// and its length: `abc…(1048576 bytes)`.
public func clipped(_ text: some StringProtocol, limit: Int = 64) -> String {
    guard text.utf8.count > limit else { return String(text) }
    return "\(text.prefix(limit))…(\(text.utf8.count) bytes)"
}

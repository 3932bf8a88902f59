// Client strings quoted back in error messages are cut to a bounded length: a 15 MiB model
// name must not come back in a 15 MiB answer (or log line).

/// `text` as given when it is short; else its first `limit` characters and its length in bytes:
/// "abc…(1048576 bytes)".
func quoted(_ text: some StringProtocol, limit: Int = 64) -> String {
    guard text.utf8.count > limit else { return String(text) }
    return "\(text.prefix(limit))…(\(text.utf8.count) bytes)"
}

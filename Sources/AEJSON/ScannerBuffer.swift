// The bytes a JSONScanner reads, copied once and followed by a NUL sentinel: loops over digits,
// spaces and string bytes stop at the sentinel without a bounds check on every byte.

/// An immutable copy of a JSON document with one zero byte after its end.
final class ScannerBuffer {
    /// The first byte; `bytes[count]` is 0.
    let bytes: UnsafeMutablePointer<UInt8>
    /// The document's length, without the sentinel.
    let count: Int

    /// Copies `source` and appends the sentinel.
    init(copying source: UnsafeRawBufferPointer) {
        count = source.count
        bytes = .allocate(capacity: count + 1)
        if let base = source.baseAddress {
            UnsafeMutableRawPointer(bytes).copyMemory(from: base, byteCount: count)
        }
        bytes[count] = 0
    }

    deinit {
        bytes.deallocate()
    }
}

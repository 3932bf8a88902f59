// The bytes a JSONScanner reads, copied once and followed by zero bytes: loops over digits,
// spaces and string bytes stop at the first without a bounds check on every byte, and eight
// bytes can be loaded at any offset up to the end.

/// An immutable copy of a JSON document with eight zero bytes after its end.
final class ScannerBuffer {
    /// The first byte; `bytes[count]` through `bytes[count + 7]` are 0.
    let bytes: UnsafeMutablePointer<UInt8>
    /// The document's length, without the padding.
    let count: Int

    /// Copies `source` and appends the zero bytes.
    init(copying source: UnsafeRawBufferPointer) {
        count = source.count
        bytes = .allocate(capacity: count + Self.padding)
        if let base = source.baseAddress {
            UnsafeMutableRawPointer(bytes).copyMemory(from: base, byteCount: count)
        }
        (bytes + count).initialize(repeating: 0, count: Self.padding)
    }

    /// Zero bytes after the document: one sentinel, and room for an 8-byte load at its offset.
    static let padding = 8

    deinit {
        bytes.deallocate()
    }
}

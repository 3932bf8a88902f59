// A connection's input buffer: read into its free tail, parse from its head.
import Glibc

/// Growable bytes with a read and a write index; confined to one event-loop thread.
final class ByteBuffer {
    private(set) var storage: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    private(set) var readerIndex = 0
    private(set) var writerIndex = 0

    deinit { free(storage) }

    var readableCount: Int { writerIndex - readerIndex }
    var writableCount: Int { capacity - writerIndex }
    var writePointer: UnsafeMutableRawPointer { storage! + writerIndex }

    /// Makes room for at least `count` more bytes (moving unread bytes to the front first).
    func reserveWritable(_ count: Int) {
        if writableCount >= count { return }
        if readerIndex > 0 {
            if readableCount > 0 { memmove(storage!, storage! + readerIndex, readableCount) }
            writerIndex -= readerIndex
            readerIndex = 0
            if writableCount >= count { return }
        }
        var newCapacity = Swift.max(capacity, 4096)
        while newCapacity - writerIndex < count { newCapacity *= 2 }
        storage = realloc(storage, newCapacity)
        precondition(storage != nil, "out of memory growing a buffer to \(newCapacity) bytes")
        capacity = newCapacity
    }

    /// Marks `count` bytes after the write index as filled.
    func didWrite(_ count: Int) { writerIndex += count }

    /// Drops `count` bytes from the front.
    func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == writerIndex { readerIndex = 0; writerIndex = 0 }
    }

    /// Drops everything.
    func clear() { readerIndex = 0; writerIndex = 0 }

    /// Gives back memory beyond `keep` bytes when empty (after a large request).
    func shrinkIfEmpty(keep: Int) {
        guard readableCount == 0, capacity > keep else { return }
        free(storage)
        storage = nil
        capacity = 0
    }

    /// Runs `body` over the unread bytes.
    @inline(__always)
    func withReadable<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let storage else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: storage + readerIndex, count: readableCount))
    }
}

// The few POSIX calls checkpoints need (read, atomic write, mkdir, fsync), each retried on
// EINTR and failing with the path, the operation and the OS's reason.
import Foundation
import Glibc

/// POSIX file operations with `CheckpointError.fileSystem` failures.
enum FileSystem {
    /// Reads the whole file at `url`.
    static func readAll(_ url: URL) throws(CheckpointError) -> [UInt8] {
        let path = url.path
        let fd = try openFile(path, O_RDONLY | O_CLOEXEC, operation: "open for reading")
        defer { close(fd) }
        var status = stat()
        try check(retrying { fstat(fd, &status) }, path: path, operation: "stat")
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        // Loop to EOF rather than trusting st_size: the file may change between stat and read.
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, filled))) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                retrying { read(fd, buffer.baseAddress?.advanced(by: filled), buffer.count - filled) }
            }
            try check(count, path: path, operation: "read")
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Calls `body` with successive chunks of the file at `url` (at most `chunkSize` bytes each).
    static func forEachChunk(of url: URL, chunkSize: Int, _ body: (UnsafeRawBufferPointer) -> Void)
        throws(CheckpointError)
    {
        let path = url.path
        let fd = try openFile(path, O_RDONLY | O_CLOEXEC, operation: "open for reading")
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                retrying { read(fd, buffer.baseAddress, buffer.count) }
            }
            try check(count, path: path, operation: "read")
            if count == 0 { return }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }

    /// Replaces `url` with `bytes` so that readers see the old file or the new one, never a
    /// part: temp file in the same directory, write, fsync, rename, fsync the directory.
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(CheckpointError) {
        let directory = url.deletingLastPathComponent().path
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        // A leading dot keeps the temp file out of listings; O_EXCL makes the name ours alone.
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(suffix)").path
        let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644,
                          operation: "create a temporary file")
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    retrying { write(fd, buffer.baseAddress?.advanced(by: written), buffer.count - written) }
                }
                try check(count, path: temporary, operation: "write")
                written += count
            }
            try check(retrying { fsync(fd) }, path: temporary, operation: "fsync")
        } catch {
            close(fd)
            throw error
        }
        // After fsync a failed close loses nothing, but report it all the same.
        try check(close(fd), path: temporary, operation: "close")
        try check(rename(temporary, url.path), path: url.path, operation: "rename \(temporary) onto")
        renamed = true
        try syncDirectory(directory)
    }

    /// Creates the directory `url` (parent must exist); returns false if something already has that name.
    static func makeDirectory(_ url: URL) throws(CheckpointError) -> Bool {
        if mkdir(url.path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw failure(url.path, operation: "create directory")
    }

    /// Makes the entries of `path` (a new file, a rename) durable.
    static func syncDirectory(_ path: String) throws(CheckpointError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, operation: "open directory")
        defer { close(fd) }
        try check(retrying { fsync(fd) }, path: path, operation: "fsync directory")
    }

    private static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0, operation: String)
        throws(CheckpointError) -> Int32
    {
        let fd = retrying { open(path, flags, mode) }
        try check(fd, path: path, operation: operation)
        return fd
    }

    /// Repeats a call interrupted by a signal; returns its final result.
    private static func retrying<T: FixedWidthInteger & SignedInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    private static func check<T: FixedWidthInteger & SignedInteger>(_ result: T, path: String, operation: String)
        throws(CheckpointError)
    {
        if result < 0 { throw failure(path, operation: operation) }
    }

    private static func failure(_ path: String, operation: String) -> CheckpointError {
        .fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}

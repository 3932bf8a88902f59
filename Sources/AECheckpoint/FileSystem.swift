// The few POSIX calls the stores need (read, write, list, lock, mkdir, fsync), each retried on
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

    /// Writes all of `buffer` to `fd` (which `path` names, for errors).
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(CheckpointError) {
        var written = 0
        while written < buffer.count {
            let count = retrying { Glibc.write(fd, buffer.baseAddress?.advanced(by: written), buffer.count - written) }
            try check(count, path: path, operation: "write")
            written += count
        }
    }

    /// Flushes `fd`'s data to the disk.
    static func sync(_ fd: Int32, path: String) throws(CheckpointError) {
        try check(retrying { fsync(fd) }, path: path, operation: "fsync")
    }

    /// Takes an exclusive advisory lock on `fd`, waiting for it. File systems without `flock`
    /// (some network mounts) leave the file unlocked; `tryLock` then fails too, so a sweep
    /// leaves such files alone rather than guess.
    static func lock(_ fd: Int32) {
        _ = retrying { flock(fd, LOCK_EX) }
    }

    /// Takes an exclusive advisory lock on `fd` if nobody holds one; false otherwise.
    static func tryLock(_ fd: Int32) -> Bool {
        retrying { flock(fd, LOCK_EX | LOCK_NB) } == 0
    }

    /// How many names `fd`'s file has; 0 once it was unlinked.
    static func linkCount(_ fd: Int32) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return 0 }
        return Int(status.st_nlink)
    }

    /// The names in the folder `url` (without "." and ".."); throws with the OS's reason
    /// (a missing folder, too many open files, no permission).
    static func entries(of url: URL) throws(CheckpointError) -> [String] {
        let path = url.path
        guard let directory = opendir(path) else { throw failure(path, operation: "list the folder") }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw failure(path, operation: "list the folder") }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// What a path names.
    enum Kind: Equatable { case file, directory, other }

    /// The kind of what `url` names (following symlinks), or nil when nothing does; throws
    /// for any other failure, so that an unreadable path is never taken for a missing one.
    static func kind(of url: URL) throws(CheckpointError) -> Kind? {
        guard let status = try status(of: url) else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// `stat` of `url`, or nil when nothing is there (ENOENT, or a parent is not a folder).
    static func status(of url: URL) throws(CheckpointError) -> stat? {
        var status = stat()
        if stat(url.path, &status) == 0 { return status }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw failure(url.path, operation: "stat")
    }

    /// Creates `url` and its missing parents.
    static func makeDirectories(_ url: URL) throws(CheckpointError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: url.path, operation: "create the folder", reason: error.localizedDescription)
        }
    }

    /// Opens the folder `url` and takes its lock; nil when it vanished meanwhile (a sweep
    /// removed it). Close the descriptor to release the lock.
    static func lockedDirectory(_ url: URL) -> Int32? {
        let fd = retrying { open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        lock(fd)
        if linkCount(fd) > 0 { return fd }
        close(fd)
        return nil
    }

    /// Removes the folder `url` if it is empty and no writer holds its lock; true if removed.
    static func removeIfEmptyAndUnlocked(_ url: URL) -> Bool {
        let fd = retrying { open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard tryLock(fd), (try? entries(of: url))?.isEmpty == true else { return false }
        return rmdir(url.path) == 0
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

    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0, operation: String)
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

    static func failure(_ path: String, operation: String) -> CheckpointError {
        .fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}

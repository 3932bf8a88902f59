// The POSIX calls the dataset store needs, each retried on EINTR and failing with the
// operation, the path and the OS's reason (a full disk is told apart: it is a 507).
import Foundation
import Glibc

/// A file being written: created exclusively, written in full, made durable, closed.
final class UploadFile {
    private var fd: Int32
    private let path: String

    /// Creates `path`, which must not exist.
    init(creating path: String) throws(DatasetStoreError) {
        self.path = path
        fd = FileCalls.retrying { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        if fd < 0 { throw FileCalls.failure(path, "create") }
    }

    deinit { close() }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetStoreError) {
        var written = 0
        while written < bytes.count {
            let count = FileCalls.retrying { Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written) }
            if count < 0 { throw FileCalls.failure(path, "write") }
            written += count
        }
    }

    /// Flushes the file to the disk and closes it.
    func syncAndClose() throws(DatasetStoreError) {
        if FileCalls.retrying({ fsync(fd) }) != 0 { throw FileCalls.failure(path, "fsync") }
        let status = Glibc.close(fd)
        fd = -1
        if status != 0 { throw FileCalls.failure(path, "close") }
    }

    /// Closes the file without flushing it (it is being thrown away).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// Directory calls of the dataset store.
enum FileCalls {
    static func makeDirectory(_ path: String) throws(DatasetStoreError) {
        if mkdir(path, 0o755) != 0 { throw failure(path, "create the folder") }
    }

    static func rename(_ from: String, to: String) throws(DatasetStoreError) {
        if Glibc.rename(from, to) != 0 { throw failure(to, "rename \(from) to") }
    }

    /// Makes the folder's entries (a new file, a rename) durable.
    static func syncDirectory(_ path: String) throws(DatasetStoreError) {
        let fd = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw failure(path, "open the folder") }
        defer { close(fd) }
        if retrying({ fsync(fd) }) != 0 { throw failure(path, "fsync the folder") }
    }

    static func retrying<T: FixedWidthInteger & SignedInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    static func failure(_ path: String, _ operation: String) -> DatasetStoreError {
        let code = errno
        return .storage(path: path, operation: operation, reason: String(cString: strerror(code)),
                        full: code == ENOSPC || code == EDQUOT)
    }
}

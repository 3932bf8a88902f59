// The one way aeserve replaces a file: temp file in the same folder, write, fsync, rename,
// fsync the folder; and the sweep that removes the temp files a killed writer left behind.
import Foundation
import Glibc

/// Durable all-or-nothing file writes: readers see the old file or the new one, never a
/// part, and after a crash the file is one of the two. Every store of aeserve writes this way.
///
/// A writer holds an exclusive `flock` on its temporary file until the rename, so a sweep
/// (`removeLeftovers`) can tell a dead writer's file, which it removes, from a live one's,
/// even when several processes share the folder.
public enum AtomicFile {
    /// Replaces `url` with `bytes` (temp file beside it, write, fsync, rename, fsync the folder).
    ///
    ///     try AtomicFile.write(Data("{}".utf8), to: folder.appendingPathComponent("pins.json"))
    public static func write(_ bytes: some ContiguousBytes, to url: URL) throws(CheckpointError) {
        let folder = url.deletingLastPathComponent().path
        let (fd, temporary) = try createTemporary(beside: url)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            // withUnsafeBytes rethrows untyped errors, so the typed one travels in a Result.
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(CheckpointError) in try FileSystem.writeAll(fd, buffer, path: temporary) }
            }.get()
            try FileSystem.sync(fd, path: temporary)
        } catch {
            close(fd)
            throw error
        }
        // Rename before close: the lock is held until the temp name is gone, so a sweep never
        // removes a file that is about to become `url`.
        if rename(temporary, url.path) != 0 {
            let failure = FileSystem.failure(url.path, operation: "rename \(temporary) onto")
            close(fd)
            throw failure
        }
        renamed = true
        close(fd)
        try FileSystem.syncDirectory(folder)
    }

    /// Whether `name` (a file name, no folder) is one of this writer's temporary files.
    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(marker)
    }

    /// Removes the temporary files in `folder` that no live writer holds (what a writer killed
    /// mid-write leaves) and returns their paths. Files it cannot open or lock are left alone.
    @discardableResult
    public static func removeLeftovers(in folder: URL) -> [String] {
        guard let names = try? FileSystem.entries(of: folder) else { return [] }
        var removed: [String] = []
        for name in names where isTemporary(name) {
            let path = folder.appendingPathComponent(name).path
            // O_NOFOLLOW: a symlink with a temp-like name is not ours to follow or remove.
            let fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard FileSystem.tryLock(fd) else { continue }
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// What names a temporary file: `.<target>.tmp-<pid>-<random hex>`.
    static let marker = ".tmp-"

    /// Creates and locks a new temporary file beside `url`; retries when a sweep removed the
    /// file between its creation and the lock (it then has no name any more).
    private static func createTemporary(beside url: URL) throws(CheckpointError) -> (Int32, String) {
        let folder = url.deletingLastPathComponent()
        for _ in 0..<8 {
            let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
            // A leading dot keeps the temp file out of listings; O_EXCL makes the name ours alone.
            let path = folder.appendingPathComponent(".\(url.lastPathComponent)\(marker)\(getpid())-\(suffix)").path
            let fd = try FileSystem.openFile(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644,
                                             operation: "create a temporary file")
            FileSystem.lock(fd)
            if FileSystem.linkCount(fd) > 0 { return (fd, path) }
            close(fd)
        }
        throw .fileSystem(path: url.path, operation: "write",
                          reason: "its temporary files kept being removed by another process")
    }
}

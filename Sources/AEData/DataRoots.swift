// Confines server-side dataset paths to configured folders: a client names a relative path and
// may reach only files inside a root, symlinks included.
import Foundation

/// The folders dataset paths are resolved against, in order of preference.
public struct DataRoots: Sendable {
    /// The folders searched, first match wins.
    public let roots: [URL]

    /// Where Debian's dataset packages install (dataset-fashion-mnist → fashion-mnist/…).
    public static let defaultRoots = [URL(fileURLWithPath: "/usr/share/datasets", isDirectory: true)]

    /// Creates roots searched in the given order.
    public init(_ roots: [URL] = DataRoots.defaultRoots) {
        self.roots = roots
    }

    /// The file `relativePath` names under the first root holding it; refuses absolute paths,
    /// `..`, and paths whose symlinks lead out of their root.
    public func resolve(_ relativePath: String) throws -> URL {
        let source = relativePath
        guard !relativePath.isEmpty else {
            throw DataError(.refused, source: "\"\"", at: .whole, "path is empty; expected a path relative to a data root")
        }
        guard !relativePath.hasPrefix("/") else {
            throw DataError(.refused, source: source, at: .whole,
                            "absolute paths are refused; expected a path relative to a data root such as fashion-mnist/train-images-idx3-ubyte.gz")
        }
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains("..") else {
            throw DataError(.refused, source: source, at: .whole, "paths containing \"..\" are refused; expected a path inside a data root")
        }
        guard !relativePath.contains("\0") else {
            throw DataError(.refused, source: source, at: .whole, "path contains a NUL byte")
        }
        for root in roots {
            guard let realRoot = Self.realPath(root.path) else { continue }
            let candidate = root.appendingPathComponent(relativePath).path
            guard let real = Self.realPath(candidate) else {
                // A missing file, unless a symlink on the way leads nowhere: then it is refused
                // in the same words as a link leading outside, so that a client cannot learn
                // whether something exists outside the roots.
                if Self.passesThroughSymlink(root: root.path, relativePath: relativePath) {
                    throw Self.leavesTheRoots(source)
                }
                continue
            }
            guard real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
                throw Self.leavesTheRoots(source)
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw DataError(.refused, source: source, at: .whole, "names a directory under \(root.path); expected a file")
            }
            return URL(fileURLWithPath: real)
        }
        throw DataError(.notFound, source: source, at: .whole,
                        "no such file under the data roots searched: \(roots.map(\.path).joined(separator: ", "))")
    }

    /// The refusal for a path whose symlinks lead out of its root or to nothing; it names
    /// neither the target nor whether it exists.
    private static func leavesTheRoots(_ source: String) -> DataError {
        DataError(.refused, source: source, at: .whole,
                  "goes through a symbolic link that leads outside the data roots or to no file; expected a path to a file inside the data roots")
    }

    /// Whether a component of `relativePath` under `root` that exists is a symbolic link.
    private static func passesThroughSymlink(root: String, relativePath: String) -> Bool {
        var path = root
        for component in relativePath.split(separator: "/") where component != "." {
            path += "/" + component
            var status = stat()
            guard lstat(path, &status) == 0 else { return false }
            if status.st_mode & S_IFMT == S_IFLNK { return true }
        }
        return false
    }

    /// The canonical path with every symlink resolved, or nil when it does not exist;
    /// realpath(3) rather than Foundation, whose resolution does not fail on missing parts.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

import Foundation
import Testing
import AEData

@Suite struct DataRootsTests {
    /// Two roots, a file in each, a directory, and a symlink from the first root to a secret outside.
    static func withRoots(_ body: (URL, DataRoots) throws -> Void) throws {
        try withTemporaryDirectory { folder in
            let first = folder.appendingPathComponent("first"), second = folder.appendingPathComponent("second")
            for url in [first.appendingPathComponent("sub"), second] {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            }
            try Data("1\n".utf8).write(to: first.appendingPathComponent("sub/a.csv"))
            try Data("2\n".utf8).write(to: second.appendingPathComponent("b.csv"))
            try Data("secret\n".utf8).write(to: folder.appendingPathComponent("secret.csv"))
            try FileManager.default.createSymbolicLink(at: first.appendingPathComponent("escape.csv"),
                                                       withDestinationURL: folder.appendingPathComponent("secret.csv"))
            try FileManager.default.createSymbolicLink(at: first.appendingPathComponent("inside.csv"),
                                                       withDestinationURL: first.appendingPathComponent("sub/a.csv"))
            try body(folder, DataRoots([first, second]))
        }
    }

    @Test("a relative path resolves under the first root that holds it")
    func resolvesInOrder() throws {
        try Self.withRoots { folder, roots in
            let first = try roots.resolve("sub/a.csv"), second = try roots.resolve("b.csv")
            let untidy = try roots.resolve("./sub//a.csv"), linked = try roots.resolve("inside.csv")
            #expect(first.path.hasSuffix("first/sub/a.csv"))
            #expect(second.path.hasSuffix("second/b.csv"))
            #expect(untidy.path.hasSuffix("first/sub/a.csv"))
            #expect(linked.path.hasSuffix("first/sub/a.csv"))  // a symlink within the root is fine
        }
    }

    @Test("an absolute path is refused")
    func absolutePath() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.refused, containing: ["/etc/passwd", "absolute"]) { _ = try roots.resolve("/etc/passwd") }
        }
    }

    @Test("a path with a .. component is refused, even one that would stay inside")
    func parentComponent() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.refused, containing: ["../secret.csv", "\"..\""]) { _ = try roots.resolve("../secret.csv") }
            expectDataError(.refused, containing: ["sub/../sub/a.csv", "\"..\""]) { _ = try roots.resolve("sub/../sub/a.csv") }
        }
    }

    @Test("an empty path is refused")
    func emptyPath() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.refused, containing: ["empty"]) { _ = try roots.resolve("") }
        }
    }

    @Test("a symlink leading outside its root is refused without naming where it leads")
    func symlinkEscape() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.refused, containing: ["escape.csv", "symbolic link", "inside the data roots"]) {
                _ = try roots.resolve("escape.csv")
            }
            do {
                _ = try roots.resolve("escape.csv")
            } catch {
                #expect(!"\(error)".contains("secret"), "the message reveals the link's target: \(error)")
                #expect(!"\(error)".contains(folder.path), "the message reveals a path outside the roots: \(error)")
            }
        }
    }

    @Test("a link outside to a missing file and a link outside to an existing one get the same answer (regression: they could be told apart)")
    func symlinkTargetsCannotBeProbed() throws {
        try Self.withRoots { folder, roots in
            let first = roots.roots[0]
            try FileManager.default.createSymbolicLink(at: first.appendingPathComponent("dangling.csv"),
                                                       withDestinationURL: folder.appendingPathComponent("missing.csv"))
            func answer(_ path: String) -> String {
                do { _ = try roots.resolve(path); return "resolved" } catch let error as DataError {
                    return "\(error.kind) \(error.message)"
                } catch { return "\(error)" }
            }
            #expect(answer("dangling.csv") == answer("escape.csv"))
            #expect(answer("dangling.csv").hasPrefix("refused"))
        }
    }

    @Test("a missing file is reported, listing every root searched")
    func missingFile() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.notFound, containing: ["nope.csv", "/first", "/second"]) { _ = try roots.resolve("nope.csv") }
        }
    }

    @Test("a directory is refused: a dataset is a file")
    func directory() throws {
        try Self.withRoots { folder, roots in
            expectDataError(.refused, containing: ["sub", "directory"]) { _ = try roots.resolve("sub") }
        }
    }
}

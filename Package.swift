// swift-tools-version: 6.0
// aeserve: trains and serves autoencoders. Dependencies point one way:
// aeserve → AECLI → AEService → {HTTPServer, AEJSON, AETraining} → {AECheckpoint, AEData, AEModel}
// → AEMath → CBLAS; CLinux, CZlib and COpenSSL are the C libraries below them.
import PackageDescription

let package = Package(
    name: "aeserve",
    products: [
        .executable(name: "aeserve", targets: ["aeserve"]),
        // The service's modules, for the libFuzzer targets in scripts/fuzz.
        .library(name: "AEServiceLibrary", targets: ["AEService", "AETraining", "AEModel", "AEData"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Linux calls Swift's Glibc module does not export (epoll, eventfd, gettid, SCHED_IDLE, prctl).
        .target(name: "CLinux"),

        // The engine.
        .target(name: "AEMath", dependencies: ["CBLAS"]),
        .target(name: "AEModel", dependencies: ["AEMath"]),
        .target(name: "AECheckpoint", dependencies: ["AEModel", "COpenSSL"]),
        .target(name: "AEData", dependencies: ["Compression"]),
        // One training run (data → trainer → checkpoint), shared by `aeserve train` and the worker.
        .target(name: "AETraining", dependencies: ["AEMath", "AEModel", "AECheckpoint", "AEData", "AEJSON", "CLinux"]),
        // Uploaded datasets on disk: streamed in, checked, hashed, kept within quotas.
        .target(name: "AEDatasets", dependencies: ["AEData", "AECheckpoint"]),

        // gzip and zlib streams through zlib, for datasets and HTTP bodies alike.
        .target(name: "Compression", dependencies: ["CZlib"]),

        // Fast JSON for number arrays (parse and print floats, correctly rounded).
        .target(name: "AEJSON"),

        // The HTTP/1.1 server on POSIX sockets and epoll, with zlib and OpenSSL; knows nothing of autoencoders.
        .target(name: "HTTPServer", dependencies: [
            "CLinux", "Compression", "COpenSSL", .product(name: "DequeModule", package: "swift-collections"),
        ]),

        // The service: registry, job queue, HTTP endpoints over the engine.
        .target(name: "AEService", dependencies: [
            "AEMath", "AEModel", "AECheckpoint", "AEData", "AETraining", "AEDatasets", "AEJSON", "Compression", "HTTPServer", "CLinux",
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["Console/Assets"]),

        // The command line: a library of commands (testable) and a thin executable.
        .target(name: "AECLI", dependencies: [
            "AEMath", "AEModel", "AECheckpoint", "AEData", "AETraining", "AEService",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Configuration", package: "swift-configuration"),
        ]),
        .executableTarget(name: "aeserve", dependencies: ["AECLI"]),

        // A small server on HTTPServer for `make bench` and the server's process-level tests.
        .executableTarget(name: "http-bench-server", dependencies: ["HTTPServer", "AEJSON"]),

        // Tests.
        .target(name: "AETestSupport", dependencies: ["AEMath"], path: "Tests/AETestSupport"),
        .testTarget(name: "AEMathTests", dependencies: ["AEMath", "AETestSupport"]),
        .testTarget(name: "AEModelTests", dependencies: ["AEModel", "AETestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AECheckpointTests", dependencies: ["AECheckpoint", "AETestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AEDataTests", dependencies: ["AEData", "Compression", "AETestSupport"]),
        .testTarget(name: "AEDatasetsTests", dependencies: ["AEDatasets", "AEData", "AECheckpoint", "Compression"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        .testTarget(name: "AECLITests", dependencies: ["AECLI", "AECheckpoint", "AEData", "AEModel", "AETestSupport"]),
        .testTarget(name: "AEServiceTests", dependencies: ["AEService", "AETraining", "AETestSupport", "AECheckpoint", "AEModel", "AEMath", "Compression", "HTTPServer",
                                                            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AEJSONTests", dependencies: ["AEJSON", "AETestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Compression", "AEJSON", "AETestSupport"],
                    resources: [.copy("Corpus")]),
    ]
)

// The image's build stage copies no tests, so that editing them does not rebuild the image: it
// sets AESERVE_BUILD_TESTS=0, and the manifest then leaves out the targets under Tests/.
if Context.environment["AESERVE_BUILD_TESTS"] == "0" {
    package.targets.removeAll { $0.type == .test || $0.path?.hasPrefix("Tests/") == true }
}

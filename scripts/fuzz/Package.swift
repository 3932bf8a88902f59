// swift-tools-version: 6.0
// libFuzzer targets over aeserve's own modules, built with SwiftPM's fuzzer sanitizer by
// scripts/fuzz-service.sh (not part of the main build: a fuzz target has no main of its own).
import PackageDescription

let package = Package(
    name: "aeserve-fuzz",
    dependencies: [.package(name: "aeserve", path: "../..")],
    targets: [
        // A POST /train-job body through strict decoding and the queue's validation.
        .executableTarget(name: "fuzz-train-job", dependencies: [.product(name: "AEServiceLibrary", package: "aeserve")]),
        // A native inference body (/encode, /decode, /reconstruct, /sample) through its parser.
        .executableTarget(name: "fuzz-inference", dependencies: [.product(name: "AEServiceLibrary", package: "aeserve")]),
    ]
)

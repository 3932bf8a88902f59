#!/usr/bin/env bash
# Builds the release aeserve binary and prints its path. The Makefile's `build` target and the
# Dockerfile's build stage both run this script, so the image holds the binary `make` builds.
set -euo pipefail
cd "$(dirname "$0")/.."

# --static-swift-stdlib links the Swift runtime, Foundation and Dispatch into the binary, so it
# needs only Debian's runtime libraries (OpenBLAS, OpenSSL, zlib, libc, libstdc++) to run.
# It links with the toolchain's lld: GNU ld warns about a mktemp() reference inside the static
# Foundation (not our code), and a release build should print no warnings at all.
# Extra arguments go to `swift build`, e.g. --scratch-path .build-other.
flags=(-c release --static-swift-stdlib -Xswiftc -use-ld=lld --product aeserve "$@")
swift=${SWIFT:-swift}
"$swift" build "${flags[@]}" >&2
echo "$("$swift" build "${flags[@]}" --show-bin-path)/aeserve"

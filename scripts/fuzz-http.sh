#!/usr/bin/env bash
# Builds and runs the libFuzzer target for the HTTP request parser.
#   scripts/fuzz-http.sh [seconds]   (default 600; extra libFuzzer flags after it)
# Seeds: the malformed-request corpus and a few valid requests; findings go to .build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
out=.build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"
# The Compression module first, as a static library the parser's ContentCoding imports.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Compression -I Sources/CZlib \
  -emit-module -emit-module-path "$out/Compression.swiftmodule" -emit-library -static \
  -o "$out/libCompression.a" Sources/Compression/*.swift
protocol=$(ls Sources/HTTPServer/Protocol/*.swift)
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name HTTPFuzz \
  -I "$out" -I Sources/CZlib -L "$out" -lCompression -lz $protocol scripts/fuzz-http.swift -o "$out/fuzz-http"
cp Tests/HTTPServerTests/Corpus/cases/*.http "$out/corpus/"
printf 'GET /ping HTTP/1.1\r\nHost: a\r\n\r\n' > "$out/corpus/valid-get"
printf 'POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a="b"\r\nhello\r\n0\r\nT: 1\r\n\r\n' > "$out/corpus/valid-chunked"
printf 'POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n' > "$out/corpus/valid-pipelined"
# Swift's own crash reporter would outlive a crashing run and hold its output open.
export SWIFT_BACKTRACE=enable=no
exec "$out/fuzz-http" "$out/corpus" -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"

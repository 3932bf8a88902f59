#!/usr/bin/env bash
# Builds and runs the libFuzzer target for the OIP infer-request parser (binary tensor data).
#   scripts/fuzz-oip.sh [seconds]   (default 600; extra libFuzzer flags after it)
# Seeds: valid JSON and binary requests and the malformed kinds of the parser's tests;
# findings go to .build-fuzz-oip/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
out=.build-fuzz-oip
mkdir -p "$out/corpus" "$out/artifacts" "$out/module"
# AEJSON as a module of its own (instrumented too), then the parser and the target over it.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name AEJSON \
  -emit-module -emit-module-path "$out/module/AEJSON.swiftmodule" -emit-library -static \
  -o "$out/module/libAEJSON.a" Sources/AEJSON/*.swift
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name OIPFuzz -I "$out/module" -L "$out/module" -lAEJSON \
  Sources/AEService/OpenInference/InferRequest.swift Sources/AEService/OpenInference/InferResponse.swift \
  scripts/fuzz-oip.swift -o "$out/fuzz-oip"
seed() { printf '%s' "$2" > "$out/corpus/$1"; }
input='{"name":"input","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}'
json="{\"inputs\":[$input],\"outputs\":[{\"name\":\"latent\",\"parameters\":{\"binary_data\":true}}]}"
seed binary "${#json}
${json}AAAABBBB"
seed binary-short "${#json}
${json}AAAA"
seed binary-trailing "${#json}
${json}AAAABBBBC"
seed header-past-body "9999
${json}AAAABBBB"
seed two-inputs "84
{\"inputs\":[$input,{\"name\":\"b\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}AAAABBBBCCCCDDDD"
seed json-nested '
{"id":"x","parameters":{"binary_data_output":true},"inputs":[{"name":"input","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4]]}]}'
seed bytes '
{"inputs":[{"name":"s","shape":[1],"datatype":"BYTES","data":["abc"]}]}'
seed fp64 '
{"inputs":[{"name":"s","shape":[1],"datatype":"FP64","parameters":{"binary_data_size":8}}]}'
seed overflow '
{"inputs":[{"name":"s","shape":[4611686018427387904,4],"datatype":"FP32","parameters":{"binary_data_size":8}}]}'
export SWIFT_BACKTRACE=enable=no
exec "$out/fuzz-oip" "$out/corpus" -max_total_time="$seconds" -max_len=2048 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"

#!/usr/bin/env bash
# Builds and runs a libFuzzer target over the service's request handling:
#   scripts/fuzz-service.sh train-job [seconds]   a POST /train-job body → strict JSON → validation
#   scripts/fuzz-service.sh inference [seconds]   a native inference body → its parser
# (default 600 s; extra libFuzzer flags after the seconds). The targets live in scripts/fuzz, a
# package of its own over this one, built with SwiftPM's fuzzer and address sanitizers. Seeds
# are valid bodies and the kinds of malformed ones the tests name; the corpus and any crash
# inputs go to .build-fuzz-service/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz-service.sh train-job|inference [seconds] [libFuzzer flags]}
seconds=${2:-600}
shift $(( $# < 2 ? $# : 2 ))
case "$target" in train-job|inference) ;; *) echo "unknown target '$target': train-job or inference" >&2; exit 2 ;; esac
scratch=.build-fuzz-service
out="$scratch/$target"
mkdir -p "$out/corpus" "$out/artifacts"
# SwiftPM hands -sanitize=fuzzer to the fuzz target's own module only; the coverage flags make
# libFuzzer see the edges of aeserve's modules too (without them it saw 46 counters, all its own).
flags=(-c release --sanitize fuzzer --sanitize address -Xswiftc -enable-testing
       -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
swift build --package-path scripts/fuzz --scratch-path "$scratch/build" "${flags[@]}" --product "fuzz-$target" >&2
binary="$(swift build --package-path scripts/fuzz --scratch-path "$scratch/build" "${flags[@]}" --show-bin-path)/fuzz-$target"

seed() { printf '%s' "$2" > "$out/corpus/$1"; }
arch='{"kind":"autoencoder","input_dim":8,"encoder":[{"units":3,"activation":"relu"}],"decoder":[{"units":8,"activation":"sigmoid"}]}'
rows='[[0,0.1,0.2,0.3,0.4,0.5,0.6,0.7],[1,1,1,1,1,1,1,1]]'
if [ "$target" = train-job ]; then
  seed valid "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"vectors\":$rows},\"training\":{\"epochs\":2,\"batch_size\":8,\"seed\":1,\"early_stopping\":{\"patience\":2}}}"
  seed vae "{\"model\":\"v\",\"architecture\":{\"kind\":\"variational\",\"input_dim\":8,\"latent_dim\":2,\"encoder\":[{\"units\":4,\"activation\":\"tanh\"}],\"decoder\":[{\"units\":8,\"activation\":\"sigmoid\"}]},\"dataset\":{\"path\":\"x.csv\",\"limit\":5},\"training\":{\"beta\":0.5,\"noise\":0.1,\"clip_norm\":1}}"
  seed base "{\"model\":\"base\",\"base_version\":1,\"dataset\":{\"vectors\":$rows,\"limit\":1},\"activate\":false}"
  seed huge-batch "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"vectors\":$rows},\"training\":{\"batch_size\":9223372036854775807}}"
  seed huge-units "{\"model\":\"m\",\"architecture\":{\"kind\":\"autoencoder\",\"input_dim\":8,\"encoder\":[{\"units\":4611686018427387904,\"activation\":\"relu\"}],\"decoder\":[{\"units\":8,\"activation\":\"sigmoid\"}]},\"dataset\":{\"vectors\":$rows}}"
  seed duplicate '{"model":"a","model":"b"}'
  seed nan '{"model":"m","training":{"learning_rate":NaN}}'
  seed too-large '{"model":"m","training":{"learning_rate":1e400}}'
  seed negative-seed '{"model":"m","training":{"seed":-1}}'
  printf '{"model":"\xff\xfe"}' > "$out/corpus/bad-utf8"
  seed ragged "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"vectors\":[[1,2],[3]]}}"
  seed empty-rows "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"vectors\":[]}}"
  seed zero-limit "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"path\":\"a.csv\",\"limit\":0}}"
  seed escape "{\"model\":\"m\",\"architecture\":$arch,\"dataset\":{\"path\":\"../../etc/passwd\"}}"
else
  seed vectors "{\"model\":\"m\",\"version\":2,\"vectors\":$rows}"
  seed vector '{"vector":[0.5,1e-3,-2.5e10]}'
  seed latents '{"latents":[[0,1],[2,3]]}'
  seed latent '{"latent":[1,2,3]}'
  seed ragged '{"vectors":[[1,2],[3]]}'
  seed overflow '{"vectors":[[1e39]]}'
  seed duplicate '{"vector":[1],"vector":[2]}'
  seed version '{"version":-1,"vector":[1]}'
fi
export SWIFT_BACKTRACE=enable=no
exec "$binary" "$out/corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"

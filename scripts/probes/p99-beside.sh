#!/usr/bin/env bash
# p99 of one-vector /encode at 4 connections (wrk -t1, 5 s), idle and beside a background
# command, alternating: the experiment behind the yield timer in BENCHMARKS.md (issue 5).
#   LOAD="/tmp/busy-loop timer-yield 100" scripts/probes/p99-beside.sh
# MODES overrides the sequence (default: "idle load idle load").
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${AESERVE_BIN:-.build/release/aeserve}
. scripts/bench-lib.sh
serve_prelude
fashion_bodies
post_script one "$work/one.json"
start_server
wrk -t1 -c4 -d1s -s "$work/one.lua" "http://127.0.0.1:$port/encode" >/dev/null
for mode in ${MODES:-idle load idle load}; do
  load=
  if [ "$mode" = load ]; then bash -c "exec ${LOAD:?set LOAD to the background command}" & load=$!; sleep 0.2; fi
  wrk -t1 -c4 -d5s --latency -s "$work/one.lua" "http://127.0.0.1:$port/encode" > "$work/out.txt"
  if [ -n "$load" ]; then kill "$load"; wait "$load" 2>/dev/null || true; fi
  echo "$mode: $(wrk_figures "$work/out.txt")"
done

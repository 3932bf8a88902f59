#!/usr/bin/env bash
# Request latency while a job trains (issue 11.3), with the worker's yield timer on and off:
# wrk (one thread) POSTs one Fashion-MNIST image to /encode at 4 and 64 connections on an idle
# server, then while a training job runs with `training.yield_interval_microseconds` 100 (the
# default) and 0 (never yield), each on a fresh server. The rows of one invocation share the
# machine's state, so compare them with each other, not with another day's.
#   scripts/bench-training-latency.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
bin=${AESERVE_BIN:-.build/release/aeserve}
. scripts/bench-lib.sh
serve_prelude
fashion_bodies
post_script one "$work/one.json"
bench_job

row() {  # label, connections
  local file="$work/out.txt" rps p50 p99 errors
  wrk -t1 -c"$2" -d1s -s "$work/one.lua" "http://127.0.0.1:$port/encode" >/dev/null
  wrk -t1 -c"$2" -d"${duration}s" --latency -s "$work/one.lua" "http://127.0.0.1:$port/encode" > "$file"
  read -r rps p50 p99 errors <<<"$(wrk_figures "$file")"
  printf '| %-32s | %5s | %10s | %8s | %8s | %s\n' "$1" "$2" "$rps" "$p50" "$p99" "$errors"
}

echo "POST /encode, one Fashion-MNIST image, bundled model; wrk -t1 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk, the server and the worker"
echo "job: 784-512-128-32 autoencoder on Fashion-MNIST's training set, training.threads 1, SCHED_IDLE + nice 19"
printf '| %-32s | %5s | %10s | %8s | %8s |\n' "server" conns "requests/s" p50 p99
printf '|%s|%s|%s|%s|%s|\n' ---------------------------------- ------- ------------ ---------- ----------
start_server
for conns in 4 64; do row "idle" "$conns"; done
stop_server
for interval in 100 0; do
  start_server AESERVE_TRAINING_YIELD_INTERVAL_MICROSECONDS="$interval"
  start_bench_job
  sleep 2  # past the worker's data loading, into the epochs
  label="training, yield every $interval µs"
  [ "$interval" = 0 ] && label="training, no yield timer"
  for conns in 4 64; do row "$label" "$conns"; done
  curl -sf -X DELETE "http://127.0.0.1:$port/train-job/$job" > /dev/null
  stop_server
done

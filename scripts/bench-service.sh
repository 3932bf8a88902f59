#!/usr/bin/env bash
# Service benchmark (make bench): wrk (one thread) on loopback against `aeserve serve` with the
# bundled model: /encode, /reconstruct and /score (also with feature_errors) with 1 and 32
# vectors per request at 4 and 64 connections, then the same while a training job runs. Prints
# requests/s, vectors/s, p50/p99, the server's CPU and resident memory, and /score's
# requests/s as a ratio to /reconstruct's in the same run.
#   scripts/bench-service.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
bin=${AESERVE_BIN:-.build/release/aeserve}
. scripts/bench-lib.sh
serve_prelude
fashion_bodies
bench_job
python3 -c 'import json, sys; b = json.load(open(sys.argv[1])); b["feature_errors"] = True; json.dump(b, open(sys.argv[2], "w"))' \
  "$work/batch.json" "$work/features.json"
post_script one "$work/one.json"
post_script batch "$work/batch.json"
post_script features "$work/features.json"
start_server
ticks=$(getconf CLK_TCK)
cpu() { cpu_ticks "$pid"; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }

run() {  # label, path, body name, vectors per request, connections
  local label=$1 path=$2 body=$3 per=$4 conns=$5 file="$work/out.txt"
  wrk -t1 -c"$conns" -d1s -s "$work/$body.lua" "http://127.0.0.1:$port$path" >/dev/null
  local before; before=$(cpu)
  wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$work/$body.lua" "http://127.0.0.1:$port$path" > "$file"
  local after; after=$(cpu)
  local rps p50 p99 errors
  read -r rps p50 p99 errors <<<"$(wrk_figures "$file")"
  rates["$label $conns"]=$rps
  printf '| %-30s | %5s | %10s | %11s | %8s | %8s | %6s | %7s | %s\n' "$label" "$conns" "$rps" "$((rps * per))" "$p50" "$p99" \
    "$(awk -v d="$((after - before))" -v t="$ticks" -v s="$duration" 'BEGIN {printf "%.0f%%", 100 * d / t / s}')" "$(rss)" "$errors"
}

declare -A rates
table() {  # suffix
  for conns in 4 64; do
    run "/reconstruct 1 vector$1" /reconstruct one 1 "$conns"
    run "/score 1 vector$1" /score one 1 "$conns"
    run "/encode 1 vector$1" /encode one 1 "$conns"
    run "/reconstruct 32 vectors$1" /reconstruct batch 32 "$conns"
    run "/score 32 vectors$1" /score batch 32 "$conns"
    run "/score 32 + feature_errors$1" /score features 32 "$conns"
    run "/encode 32 vectors$1" /encode batch 32 "$conns"
  done
}

ratios() {  # /score against /reconstruct, same vectors, same connections (target: within 10 %)
  for conns in 4 64; do
    for n in "1 vector" "32 vectors"; do
      awk -v s="${rates[/score $n $conns]}" -v r="${rates[/reconstruct $n $conns]}" -v l="$n, $conns connections" \
        'BEGIN {printf "  /score / /reconstruct, %s: %.2f\n", l, s / r}'
    done
    awk -v s="${rates[/score 32 + feature_errors $conns]}" -v r="${rates[/reconstruct 32 vectors $conns]}" -v c="$conns" \
      'BEGIN {printf "  /score with feature_errors / /reconstruct, 32 vectors, %s connections: %.2f\n", c, s / r}'
  done
}

echo "aeserve serve ($bin), bundled fashion-mnist model, wrk -t1 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server"
printf '| %-30s | %5s | %10s | %11s | %8s | %8s | %6s | %7s |\n' request conns "requests/s" "vectors/s" p50 p99 CPU RSS
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------------------------------- ------- ------------ ------------- ---------- ---------- -------- ---------
table ""
echo
echo "requests/s ratios (1.00: as fast):"
ratios
echo
start_bench_job
table " (training)"
curl -sf -X DELETE "http://127.0.0.1:$port/train-job/$job" > /dev/null
echo
echo "training job during the second half: 784-512-128-32 autoencoder on Fashion-MNIST, training.threads 1, SCHED_IDLE, yielding its core every 100 µs"
echo "server resident memory after the runs: $(rss); peak: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")"

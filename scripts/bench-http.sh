#!/usr/bin/env bash
# HTTP server benchmark: wrk (one thread) on loopback against the release http-bench-server,
# which shares the machine's cores with wrk. Prints requests/s, p50/p99 and the server's CPU.
#   scripts/bench-http.sh [seconds per run, default 10] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-64}
port=${BENCH_PORT:-18089}
scratch=${SCRATCH:-.build}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh" >&2; exit 1; }
swift build -c release --scratch-path "$scratch" --product http-bench-server >/dev/null
server="$scratch/release/http-bench-server"

work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# 784 floats in [0, 1) with up to 8 significant digits, as an MNIST image would be sent.
python3 -c '
import random
random.seed(7)
print("[" + ",".join("%.8g" % random.random() for _ in range(784)) + "]", end="")' > "$work/body.json"
. scripts/bench-lib.sh
post_script sum "$work/body.json"

"$server" --port "$port" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "listening" "$work/server.log" 2>/dev/null && break; sleep 0.05; done
ticks=$(getconf CLK_TCK)
cpu() { cpu_ticks "$pid"; }

run() {  # name, path, extra wrk args
  local name=$1 path=$2 file; shift 2
  file="$work/$(echo "$name" | tr -c 'a-z0-9' '_').txt"
  wrk -t1 -c"$connections" -d2s "$@" "http://127.0.0.1:$port$path" >/dev/null  # warm-up
  local before; before=$(cpu)
  wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" "http://127.0.0.1:$port$path" > "$file"
  local after; after=$(cpu)
  local rps p50 p99 errors
  read -r rps p50 p99 errors <<<"$(wrk_figures "$file")"
  local usage; usage=$(awk -v d="$((after - before))" -v t="$ticks" -v s="$duration" 'BEGIN {printf "%.0f%%", 100 * d / t / s}')
  printf '| %-22s | %5s | %10s | %8s | %8s | %10s | %s\n' "$name" "$connections" "$rps" "$p50" "$p99" "$usage" "$errors"
}

echo "wrk -t1 -c$connections -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server"
printf '| %-22s | %5s | %10s | %8s | %8s | %10s |\n' route conns "requests/s" p50 p99 "server CPU"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------ ------- ------------ ---------- ---------- ------------
run "GET /ping" /ping
run "POST /sum (784 floats)" /sum -s "$work/sum.lua"

#!/usr/bin/env bash
# HTTP server benchmark: wrk (one thread) on loopback against the release http-bench-server,
# which shares the machine's cores with wrk, once with each readiness driver (epoll, the
# server's; Dispatch, for comparison) in the same run. Prints requests/s, p50/p99, the server's
# CPU and its CPU time per request, then Dispatch's figures as ratios to epoll's.
#   scripts/bench-http.sh [seconds per run, default 10] [connection counts, default "4 64"]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connection_counts=${2:-"4 64"}
scratch=${SCRATCH:-.build}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh" >&2; exit 1; }
swift build -c release --scratch-path "$scratch" --product http-bench-server >/dev/null
server="$scratch/release/http-bench-server"

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# 784 floats in [0, 1) with up to 8 significant digits, as an MNIST image would be sent.
python3 -c '
import random
random.seed(7)
print("[" + ",".join("%.8g" % random.random() for _ in range(784)) + "]", end="")' > "$work/body.json"
. scripts/bench-lib.sh
post_script sum "$work/body.json"

# Both servers run side by side on ephemeral ports (an idle one costs nothing), so the two
# drivers are measured turn about, each route and connection count straight after the other.
declare -A port server_pid
for driver in epoll dispatch; do
  "$server" --port 0 --readiness "$driver" > "$work/$driver.log" 2>&1 &
  pids+=($!)
  server_pid[$driver]=$!
  for _ in $(seq 200); do grep -q "listening" "$work/$driver.log" 2>/dev/null && break; sleep 0.05; done
  port[$driver]=$(awk '/listening/ {print $NF; exit}' "$work/$driver.log")
  [ -n "${port[$driver]}" ] || { echo "the $driver server did not start:" >&2; cat "$work/$driver.log" >&2; exit 1; }
done
ticks=$(getconf CLK_TCK)

run() {  # driver, connections, name, path, extra wrk args; prints a row, sets $rps and $cpu_us
  local driver=$1 connections=$2 name=$3 path=$4 file; shift 4
  local url="http://127.0.0.1:${port[$driver]}$path"
  file="$work/$driver-$connections-$(echo "$name" | tr -c 'a-z0-9' '_').txt"
  wrk -t1 -c"$connections" -d2s "$@" "$url" >/dev/null  # warm-up
  local before after requests p50 p99 errors
  before=$(cpu_ticks "${server_pid[$driver]}")
  wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" "$url" > "$file"
  after=$(cpu_ticks "${server_pid[$driver]}")
  read -r rps p50 p99 errors <<<"$(wrk_figures "$file")"
  requests=$(awk '/requests in/ {print $1; exit}' "$file")
  local usage
  usage=$(awk -v d="$((after - before))" -v t="$ticks" -v s="$duration" 'BEGIN {printf "%.0f%%", 100 * d / t / s}')
  cpu_us=$(awk -v d="$((after - before))" -v t="$ticks" -v n="$requests" 'BEGIN {printf "%.1f", (n > 0 ? 1e6 * d / t / n : 0)}')
  printf '| %-22s | %5s | %-8s | %10s | %8s | %8s | %10s | %12s | %s\n' \
    "$name" "$connections" "$driver" "$rps" "$p50" "$p99" "$usage" "$cpu_us" "$errors"
}

echo "wrk -t1 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server; one event loop, handlers on its pool"
printf '| %-22s | %5s | %-8s | %10s | %8s | %8s | %10s | %12s |\n' route conns driver "requests/s" p50 p99 "server CPU" "CPU µs/req"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------ ------- ---------- ------------ ---------- ---------- ------------ --------------
summary=()
for connections in $connection_counts; do
  for route in ping sum; do
    if [ "$route" = ping ]; then name="GET /ping"; path=/ping; args=(); else name="POST /sum (784 floats)"; path=/sum; args=(-s "$work/sum.lua"); fi
    run epoll "$connections" "$name" "$path" "${args[@]}"
    epoll_rps=$rps epoll_cpu=$cpu_us
    run dispatch "$connections" "$name" "$path" "${args[@]}"
    summary+=("$(awk -v n="$name" -v c="$connections" -v r1="$epoll_rps" -v r2="$rps" -v c1="$epoll_cpu" -v c2="$cpu_us" \
      'BEGIN {printf "  %-22s %3s conns: Dispatch/epoll requests/s %.2fx, CPU per request %.2fx", n, c, r2 / r1, c2 / c1}')")
  done
done
echo
echo "Dispatch against epoll (below 1x requests/s or above 1x CPU per request: epoll is ahead)"
printf '%s\n' "${summary[@]}"

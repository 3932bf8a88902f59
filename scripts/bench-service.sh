#!/usr/bin/env bash
# Service benchmark (make bench): wrk (one thread) on loopback against `aeserve serve` with the
# bundled model: /encode and /reconstruct with 1 and 32 vectors per request at 4 and 64
# connections, then the same while a training job runs. Prints requests/s, vectors/s, p50/p99,
# the server's CPU and resident memory.
#   scripts/bench-service.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
bin=${AESERVE_BIN:-.build/release/aeserve}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh" >&2; exit 1; }
[ -x "$bin" ] || { echo "no binary at $bin; run make build" >&2; exit 1; }

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cp -r models "$work/models"
python3 - "$work" <<'PY'
import gzip, json, sys
work = sys.argv[1]
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()[16:]
def image(i): return [round(b / 255, 6) for b in raw[i * 784:(i + 1) * 784]]
json.dump({"vector": image(0)}, open(f"{work}/one.json", "w"))
json.dump({"vectors": [image(i) for i in range(32)]}, open(f"{work}/batch.json", "w"))
job = {"model": "bench-job", "architecture": {"kind": "autoencoder", "input_dim": 784,
       "encoder": [{"units": 512, "activation": "relu"}, {"units": 128, "activation": "relu"}, {"units": 32, "activation": "linear"}],
       "decoder": [{"units": 128, "activation": "relu"}, {"units": 512, "activation": "relu"}, {"units": 784, "activation": "sigmoid"}]},
       "dataset": {"path": "fashion-mnist/train-images-idx3-ubyte.gz"}, "training": {"epochs": 50, "batch_size": 256}, "activate": False}
json.dump(job, open(f"{work}/job.json", "w"))
PY
for name in one batch; do
  cat > "$work/$name.lua" <<LUA
local f = io.open("$work/$name.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
done

"$bin" serve --config config/aeserve.json --host 127.0.0.1 --port 0 --port-file "$work/port" \
  --models "$work/models" --state "$work/state" --poll-interval 0 --log-level warning > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }

run() {  # label, path, body name, vectors per request, connections
  local label=$1 path=$2 body=$3 per=$4 conns=$5 file="$work/out.txt"
  wrk -t1 -c"$conns" -d1s -s "$work/$body.lua" "http://127.0.0.1:$port$path" >/dev/null
  local before; before=$(cpu)
  wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$work/$body.lua" "http://127.0.0.1:$port$path" > "$file"
  local after; after=$(cpu)
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$file" | tr '\n' ' ')
  printf '| %-30s | %5s | %10s | %11s | %8s | %8s | %6s | %7s | %s\n' "$label" "$conns" "$rps" "$((rps * per))" "$p50" "$p99" \
    "$(awk -v d="$((after - before))" -v t="$ticks" -v s="$duration" 'BEGIN {printf "%.0f%%", 100 * d / t / s}')" "$(rss)" "$errors"
}

table() {  # suffix
  for conns in 4 64; do
    run "/reconstruct 1 vector$1" /reconstruct one 1 "$conns"
    run "/encode 1 vector$1" /encode one 1 "$conns"
    run "/reconstruct 32 vectors$1" /reconstruct batch 32 "$conns"
    run "/encode 32 vectors$1" /encode batch 32 "$conns"
  done
}

echo "aeserve serve ($bin), bundled fashion-mnist model, wrk -t1 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server"
printf '| %-30s | %5s | %10s | %11s | %8s | %8s | %6s | %7s |\n' request conns "requests/s" "vectors/s" p50 p99 CPU RSS
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------------------------------- ------- ------------ ------------- ---------- ---------- -------- ---------
table ""
curl -sf -X POST "http://127.0.0.1:$port/train-job" -H 'Content-Type: application/json' --data-binary @"$work/job.json" > "$work/job.out"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/job.out")
for _ in $(seq 400); do
  state=$(curl -sf "http://127.0.0.1:$port/train-job/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = running ] && break; sleep 0.05
done
table " (training)"
curl -sf -X DELETE "http://127.0.0.1:$port/train-job/$job" > /dev/null
echo
echo "training job during the second half: 784-512-128-32 autoencoder on Fashion-MNIST, training.threads 1 at nice 10"
echo "server resident memory after the runs: $(rss); peak: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")"

#!/usr/bin/env bash
# Open Inference Protocol and dynamic batching benchmark (make bench): wrk (one thread, 64
# connections) on loopback against `aeserve serve` with the bundled model:
#   - OIP binary infer (Triton's binary tensor data), 32 vectors per request, latent out;
#   - one-vector /reconstruct with inference.dynamic_batching off, then on;
#   - the Python tritonclient[http] (async_infer, binary, 32 vectors) printing its vectors/s.
#   scripts/bench-oip.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
bin=${AESERVE_BIN:-.build/release/aeserve}
python=${AESERVE_PYTHON:-.venv/bin/python}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh" >&2; exit 1; }
[ -x "$bin" ] || { echo "no binary at $bin; run make build" >&2; exit 1; }
[ -x "$python" ] || { echo "no Python at $python; run scripts/bootstrap.sh" >&2; exit 1; }

work=$(mktemp -d)
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap 'stop; rm -rf "$work"' EXIT
cp -r models "$work/models"
python3 - "$work" <<'PY'
import gzip, json, struct, sys
work = sys.argv[1]
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()[16:]
def image(i): return [round(b / 255, 6) for b in raw[i * 784:(i + 1) * 784]]
json.dump({"vector": image(0)}, open(f"{work}/one.json", "w"))
rows = [image(i) for i in range(32)]
header = json.dumps({"inputs": [{"name": "input", "shape": [32, 784], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 32 * 784 * 4}}],
                     "outputs": [{"name": "latent", "parameters": {"binary_data": True}}]}).encode()
open(f"{work}/oip32.bin", "wb").write(header + b"".join(struct.pack("<784f", *r) for r in rows))
open(f"{work}/oip32.len", "w").write(str(len(header)))
PY
cat > "$work/one.lua" <<LUA
local f = io.open("$work/one.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
cat > "$work/oip32.lua" <<LUA
local f = io.open("$work/oip32.bin", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Inference-Header-Content-Length"] = "$(cat "$work/oip32.len")"
LUA

start() {  # batching on|off
  rm -f "$work/port"
  AESERVE_INFERENCE_DYNAMIC_BATCHING_ENABLED=$([ "$1" = on ] && echo true || echo false) \
    "$bin" serve --config config/aeserve.json --host 127.0.0.1 --port 0 --port-file "$work/port" \
    --models "$work/models" --state "$work/state" --poll-interval 0 --log-level warning > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  port=$(cat "$work/port")
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break; sleep 0.05; done
}

run() {  # label, path, body name, vectors per request
  local label=$1 path=$2 body=$3 per=$4 file="$work/out.txt"
  wrk -t1 -c64 -d1s -s "$work/$body.lua" "http://127.0.0.1:$port$path" >/dev/null
  wrk -t1 -c64 -d"${duration}s" --latency -s "$work/$body.lua" "http://127.0.0.1:$port$path" > "$file"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$file" | tr '\n' ' ')
  printf '| %-44s | %10s | %11s | %8s | %8s | %s\n' "$label" "$rps" "$((rps * per))" "$p50" "$p99" "$errors"
  eval "rps_$body$5=$rps"
}

echo "aeserve serve ($bin), bundled fashion-mnist model, wrk -t1 -c64 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server"
printf '| %-44s | %10s | %11s | %8s | %8s |\n' request "requests/s" "vectors/s" p50 p99
printf '|%s|%s|%s|%s|%s|\n' ---------------------------------------------- ------------ ------------- ---------- ----------
start off
run "OIP binary infer, 32 vectors, latent" /v2/models/fashion-mnist/infer oip32 32 _off
run "/reconstruct 1 vector, batching off" /reconstruct one 1 _off
stop
start on
run "/reconstruct 1 vector, batching on" /reconstruct one 1 _on
run "OIP binary infer, 32 vectors, batching on" /v2/models/fashion-mnist/infer oip32 32 _on
batches=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^aeserve_inference_batch_rows_(sum|count)/ {v[$1 ~ /sum/ ? "s" : "c"] = $2} END {if (v["c"] > 0) printf "%.1f", v["s"] / v["c"]}')
echo
echo "batching on (max_batch ${AESERVE_INFERENCE_DYNAMIC_BATCHING_MAX_BATCH:-64}, max_delay ${AESERVE_INFERENCE_DYNAMIC_BATCHING_MAX_DELAY_MICROSECONDS:-500} µs): /reconstruct requests/s $(awk -v a="$rps_one_on" -v b="$rps_one_off" 'BEGIN {printf "%.2f", a / b}')x off; mean rows per product $batches"
stop
start off
echo
"$python" scripts/oip_client.py bench "127.0.0.1:$port" fashion-mnist "$duration" 32 8
stop

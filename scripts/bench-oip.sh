#!/usr/bin/env bash
# Open Inference Protocol and dynamic batching benchmark (make bench): wrk (one thread, 64
# connections) on loopback against `aeserve serve` with the bundled model:
#   - OIP binary infer (Triton's binary tensor data), 32 vectors per request, latent out;
#   - one-vector /reconstruct with inference.dynamic_batching off, then on (and at 4
#     connections, where batching should cost nothing);
#   - the same on a wide model made here (47 MB of weights, past the 32 MiB L3), where the
#     product, not HTTP and JSON, is most of a request's cost;
#   - the Python tritonclient[http] (infer and async_infer, binary, 32 vectors) printing its vectors/s.
#   scripts/bench-oip.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
bin=${AESERVE_BIN:-.build/release/aeserve}
python=${AESERVE_PYTHON:-.venv/bin/python}
[ -x "$python" ] || { echo "no Python at $python; run scripts/bootstrap.sh" >&2; exit 1; }
. scripts/bench-lib.sh
serve_prelude
fashion_bodies
python3 - "$work" <<'PY'
import json, struct, sys
work = sys.argv[1]
rows = json.load(open(f"{work}/batch.json"))["vectors"]
header = json.dumps({"inputs": [{"name": "input", "shape": [32, 784], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 32 * 784 * 4}}],
                     "outputs": [{"name": "latent", "parameters": {"binary_data": True}}]}).encode()
open(f"{work}/oip32.bin", "wb").write(header + b"".join(struct.pack("<784f", *r) for r in rows))
open(f"{work}/oip32.len", "w").write(str(len(header)))
PY
post_script one "$work/one.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
body = json.load(open(f"{work}/one.json"))
json.dump(dict(body, model="wide"), open(f"{work}/wide.json", "w"))
json.dump({"kind": "autoencoder", "input_dim": 784,
           "encoder": [{"units": 2048, "activation": "relu"}, {"units": 2048, "activation": "relu"},
                       {"units": 32, "activation": "linear"}],
           "decoder": [{"units": 2048, "activation": "relu"}, {"units": 2048, "activation": "relu"},
                       {"units": 784, "activation": "sigmoid"}]}, open(f"{work}/wide-arch.json", "w"))
PY
post_script wide "$work/wide.json"
cp -r models "$work/models"
# One epoch on 2,048 images: its weights need not be good, only as large as a real wide model's.
"$bin" train --architecture "$work/wide-arch.json" --limit 2048 --epochs 1 --seed 1 --out "$work/models/wide" \
  --dataset /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz > /dev/null 2>&1
post_script oip32 "$work/oip32.bin" Inference-Header-Content-Length "$(cat "$work/oip32.len")"

start() {  # batching on|off
  start_server AESERVE_INFERENCE_DYNAMIC_BATCHING_ENABLED=$([ "$1" = on ] && echo true || echo false)
}

run() {  # label, path, body name, vectors per request, variable suffix[, connections]
  local label=$1 path=$2 body=$3 per=$4 file="$work/out.txt" connections=${6:-64}
  wrk -t1 -c"$connections" -d1s -s "$work/$body.lua" "http://127.0.0.1:$port$path" >/dev/null
  wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$work/$body.lua" "http://127.0.0.1:$port$path" > "$file"
  local rps p50 p99 errors
  read -r rps p50 p99 errors <<<"$(wrk_figures "$file")"
  printf '| %-44s | %10s | %11s | %8s | %8s | %s\n' "$label" "$rps" "$((rps * per))" "$p50" "$p99" "$errors"
  eval "rps_$body$5=$rps"
}

echo "aeserve serve ($bin), bundled fashion-mnist model, wrk -t1 -c64 -d${duration}s on 127.0.0.1, $(nproc) cores shared by wrk and the server"
printf '| %-44s | %10s | %11s | %8s | %8s |\n' request "requests/s" "vectors/s" p50 p99
printf '|%s|%s|%s|%s|%s|\n' ---------------------------------------------- ------------ ------------- ---------- ----------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
start off
run "OIP binary infer, 32 vectors, latent" /v2/models/fashion-mnist/infer oip32 32 _off
run "/reconstruct 1 vector, batching off" /reconstruct one 1 _off
run "/reconstruct 1 vector, 4 connections, off" /reconstruct one 1 _off4 4
run "wide model /reconstruct 1 vector, off" /reconstruct wide 1 _off
stop_server
start on
run "/reconstruct 1 vector, batching on" /reconstruct one 1 _on
batches=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^aeserve_inference_batch_rows_(sum|count)/ {v[$1 ~ /sum/ ? "s" : "c"] = $2} END {if (v["c"] > 0) printf "%.1f", v["s"] / v["c"]}')
run "/reconstruct 1 vector, 4 connections, on" /reconstruct one 1 _on4 4
run "wide model /reconstruct 1 vector, on" /reconstruct wide 1 _on
run "OIP binary infer, 32 vectors, batching on" /v2/models/fashion-mnist/infer oip32 32 _on
echo
echo "batching on (max_batch ${AESERVE_INFERENCE_DYNAMIC_BATCHING_MAX_BATCH:-64}, max_delay ${AESERVE_INFERENCE_DYNAMIC_BATCHING_MAX_DELAY_MICROSECONDS:-150} µs) vs off, requests/s:"
echo "  /reconstruct 1 vector, 64 connections: $(ratio "$rps_one_on" "$rps_one_off")x (mean rows per product $batches)"
echo "  /reconstruct 1 vector, 4 connections: $(ratio "$rps_one_on4" "$rps_one_off4")x"
echo "  wide model, 64 connections: $(ratio "$rps_wide_on" "$rps_wide_off")x"
stop_server
start off
echo
"$python" scripts/oip_client.py bench "127.0.0.1:$port" fashion-mnist "$duration" 32 8
stop_server

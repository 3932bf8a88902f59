# Shared pieces of the wrk benchmarks (bench-http.sh, bench-service.sh, bench-oip.sh); sourced.
# Callers set $work (a temporary folder) before using these, or call serve_prelude.

# serve_prelude: for a script that serves $bin with start_server — checks that wrk and $bin
# exist, makes $work, and on exit ends the server and removes $work.
serve_prelude() {
  command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh" >&2; exit 1; }
  [ -x "$bin" ] || { echo "no binary at $bin; run make build" >&2; exit 1; }
  work=$(mktemp -d)
  pid=
  trap 'stop_server; rm -rf "$work"' EXIT
}

# post_script NAME BODY-FILE [HEADER VALUE]...: writes $work/NAME.lua, a wrk script that POSTs
# the file's bytes (Content-Type application/json unless other headers are given).
post_script() {
  local name=$1 body=$2; shift 2
  {
    echo "local f = io.open(\"$body\", \"rb\")"
    echo 'wrk.method = "POST"'
    echo 'wrk.body = f:read("*a")'
    echo 'f:close()'
    if [ $# -eq 0 ]; then echo 'wrk.headers["Content-Type"] = "application/json"'; fi
    while [ $# -ge 2 ]; do echo "wrk.headers[\"$1\"] = \"$2\""; shift 2; done
  } > "$work/$name.lua"
}

# fashion_bodies: writes $work/one.json ({"vector": …}) and $work/batch.json ({"vectors": 32 rows})
# from the first Fashion-MNIST test images.
fashion_bodies() {
  python3 - "$work" <<'PY'
import gzip, json, sys
work = sys.argv[1]
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()[16:]
def image(i): return [round(b / 255, 6) for b in raw[i * 784:(i + 1) * 784]]
json.dump({"vector": image(0)}, open(f"{work}/one.json", "w"))
json.dump({"vectors": [image(i) for i in range(32)]}, open(f"{work}/batch.json", "w"))
PY
}

# start_server ENV=VALUE...: starts `$bin serve` on a free loopback port with a copy of the
# bundled models and a fresh state folder in $work, with the given environment; sets $pid and
# $port once it is ready.
start_server() {
  rm -rf "$work/port" "$work/state"
  [ -d "$work/models" ] || cp -r models "$work/models"
  env "$@" "$bin" serve --config config/aeserve.json --host 127.0.0.1 --port 0 --port-file "$work/port" \
    --models "$work/models" --state "$work/state" --poll-interval 0 --log-level warning > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  port=$(cat "$work/port")
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
}

# stop_server: ends the server started by start_server, if any.
stop_server() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  pid=
}

# wrk_figures FILE: "requests/s p50 p99 errors" from a `wrk --latency` report.
wrk_figures() {
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$1")
  p50=$(awk '$1 == "50%" {print $2}' "$1")
  p99=$(awk '$1 == "99%" {print $2}' "$1")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$1" | tr '\n' ' ')
  echo "$rps $p50 $p99 $errors"
}

# cpu_ticks PID: the process's user + system CPU so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# bench_job: writes $work/job.json, the training job that bench-service.sh and
# bench-training-latency.sh run beside their load: a 784-512-128-32 autoencoder on the
# Fashion-MNIST training set, 50 epochs (longer than any benchmark), not activated.
bench_job() {
  python3 - "$work" <<'PY'
import json, sys
job = {"model": "bench-job", "architecture": {"kind": "autoencoder", "input_dim": 784,
       "encoder": [{"units": 512, "activation": "relu"}, {"units": 128, "activation": "relu"}, {"units": 32, "activation": "linear"}],
       "decoder": [{"units": 128, "activation": "relu"}, {"units": 512, "activation": "relu"}, {"units": 784, "activation": "sigmoid"}]},
       "dataset": {"path": "fashion-mnist/train-images-idx3-ubyte.gz"}, "training": {"epochs": 50, "batch_size": 256}, "activate": False}
json.dump(job, open(f"{sys.argv[1]}/job.json", "w"))
PY
}

# start_bench_job: submits $work/job.json to the server on $port and waits until it runs; sets $job.
start_bench_job() {
  local state=
  curl -sf -X POST "http://127.0.0.1:$port/train-job" -H 'Content-Type: application/json' --data-binary @"$work/job.json" > "$work/job.out"
  job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/job.out")
  for _ in $(seq 600); do
    state=$(curl -sf "http://127.0.0.1:$port/train-job/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = running ] && break; sleep 0.05
  done
  [ "$state" = running ] || { echo "the benchmark's training job did not start (state $state)" >&2; exit 1; }
}

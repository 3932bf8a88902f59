#!/usr/bin/env bash
# Publishing under load (make bench): /encode p99 in the two seconds around a training job
# finishing (its model written, fsynced, loaded and activated while wrk loads the server),
# beside the same two seconds with no job. A probe client times each /encode it sends, so the
# window is cut around the moment the job is seen finished.
#   scripts/bench-publish.sh [windows per kind, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
windows=${1:-3}
bin=${AESERVE_BIN:-.build/release/aeserve}
. scripts/bench-lib.sh
serve_prelude
fashion_bodies
post_script one "$work/one.json"
start_server
# The job trains the served model's own architecture on 512 images and is activated, so the
# window holds the write, the load and the swap, and /encode costs the same after it.
python3 - "$work" "$port" <<'PY'
import json, sys, urllib.request
work, port = sys.argv[1], sys.argv[2]
model = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/models/fashion-mnist"))
json.dump({"model": "fashion-mnist", "architecture": model["architecture"],
           "dataset": {"path": "fashion-mnist/train-images-idx3-ubyte.gz", "limit": 512},
           "training": {"epochs": 2, "batch_size": 128}, "activate": True},
          open(f"{work}/job.json", "w"))
PY

# probe.py PORT BODY JOB-OR-NONE: /encode on one keep-alive connection until one second after
# the job is seen finished (or for three seconds without a job); prints the p99 of the
# requests sent in the two seconds around that moment (the middle two seconds without a job).
cat > "$work/probe.py" <<'PY'
import http.client, json, sys, time
port, body, job = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3]
encode = http.client.HTTPConnection("127.0.0.1", port)
control = http.client.HTTPConnection("127.0.0.1", port)
samples, finished, next_check, start = [], None, 0.0, time.monotonic()
while True:
    sent = time.monotonic()
    encode.request("POST", "/encode", body, {"Content-Type": "application/json"})
    response = encode.getresponse(); response.read()
    samples.append((sent, time.monotonic() - sent, response.status))
    now = time.monotonic()
    if job == "none":
        if now - start >= 3: finished = start + 1.5; break
    elif finished is None and now >= next_check:
        next_check = now + 0.02
        control.request("GET", f"/train-job/{job}"); state = json.loads(control.getresponse().read())["state"]
        if state in ("succeeded", "failed", "cancelled"):
            if state != "succeeded": sys.exit(f"job {job} {state}")
            finished = now
    elif finished is not None and now - finished >= 1: break
    if now - start > 120: sys.exit("the job did not finish within 120 s")
window = sorted(latency for sent, latency, status in samples if abs(sent - finished) <= 1)
errors = sum(1 for _, _, status in samples if status != 200)
p99 = window[min(len(window) - 1, int(0.99 * len(window)))]
print(f"{p99 * 1000:.2f} {len(window)} {errors}")
PY

measure() {  # with-job|no-job
  wrk -t1 -c64 -d300s -s "$work/one.lua" "http://127.0.0.1:$port/encode" > /dev/null &
  local wrk_pid=$! job=none
  sleep 0.5  # wrk's connections are open and loaded before the window
  if [ "$1" = with-job ]; then
    job=$(curl -sf -X POST "http://127.0.0.1:$port/train-job" -H 'Content-Type: application/json' \
      --data-binary @"$work/job.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  fi
  python3 "$work/probe.py" "$port" "$work/one.json" "$job"
  kill "$wrk_pid"; wait "$wrk_pid" 2>/dev/null || true
}

echo "aeserve serve ($bin), bundled fashion-mnist model; wrk -t1 -c64 on /encode (1 vector) plus one probe connection timing its own /encode requests; $(nproc) cores"
echo "job: fashion-mnist's architecture, 512 images, 2 epochs, activate: true (written, fsynced, loaded, swapped in)"
printf '| %-34s | %6s | %9s | %6s |\n' "window (2 s)" run "probe p99" requests
printf '|%s|%s|%s|%s|\n' ------------------------------------ -------- ----------- ----------
for kind in no-job with-job; do
  for run in $(seq "$windows"); do
    read -r p99 count errors <<<"$(measure "$kind")"
    label="no job"; [ "$kind" = with-job ] && label="around a job finishing"
    printf '| %-34s | %6s | %6s ms | %8s |%s\n' "$label" "$run" "$p99" "$count" "$([ "$errors" = 0 ] || echo " $errors non-200")"
  done
done

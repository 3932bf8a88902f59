#!/usr/bin/env bash
# Upload benchmark (make bench): a 512 MiB float32 NPY file (Fashion-MNIST training images,
# tiled) POSTed to /datasets with curl --data-binary over loopback, beside dd writing the same
# bytes to the same folder with fsync (the disk's limit here); then the file gzipped, POSTed
# (the server inflates it to check every value), beside gzip -d of it. Each pair runs back to
# back, `runs` times; the figure is the upload's throughput as a share of its baseline's.
#   scripts/bench-upload.sh [MiB, default 512] [runs, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-512}
runs=${2:-2}
bin=${AESERVE_BIN:-.build/release/aeserve}
python=${AESERVE_PYTHON:-.venv/bin/python}
. scripts/bench-lib.sh
serve_prelude

# The file: an NPY of 784-wide float32 rows, Fashion-MNIST's training images scaled to [0, 1]
# and repeated to the size asked for, so gzip sees real data's redundancy.
"$python" - "$work/data.npy" "$mib" <<'PY'
import gzip, sys
import numpy as np
path, mib = sys.argv[1], int(sys.argv[2])
images = np.frombuffer(gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").read()[16:], np.uint8)
images = (images.reshape(-1, 784) / np.float32(255)).astype("<f4")
rows = mib * (1 << 20) // (784 * 4)
np.save(path, np.resize(images, (rows, 784)))
PY
gzip -1 -c "$work/data.npy" > "$work/data.npy.gz"
size=$(stat -c %s "$work/data.npy")
gzsize=$(stat -c %s "$work/data.npy.gz")
start_server
folder="$work/state/datasets"

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.0f", b / s / 1e6}'; }

# upload FILE: POSTs it, checks the 201, deletes the dataset; prints the seconds it took.
upload() {
  local t0 t1 status id
  t0=$(now)
  status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$1" "http://127.0.0.1:$port/datasets")
  t1=$(now)
  [ "$status" = 201 ] || { echo "upload of $1 answered $status: $(head -c 300 "$work/answer.json")" >&2; exit 1; }
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/answer.json")
  curl -sf -X DELETE "http://127.0.0.1:$port/datasets/$id" > /dev/null
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}

# baseline COMMAND...: runs it, removes what it wrote to $folder/baseline; prints the seconds.
baseline() {
  local t0 t1
  t0=$(now)
  "$@"
  t1=$(now)
  rm -f "$folder/baseline"
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}

echo "aeserve serve ($bin), POST /datasets with curl --data-binary on 127.0.0.1, $(nproc) cores shared by curl and the server"
echo "file: $((size >> 20)) MiB float32 NPY ($((gzsize >> 20)) MiB with gzip -1); MB/s are of the uncompressed bytes"
printf '| %-40s | %8s | %8s | %8s |\n' run "baseline" "upload" "upload / baseline"
printf '|%s|%s|%s|%s|\n' ------------------------------------------ ---------- ---------- ---------------------
for run in $(seq "$runs"); do
  base=$(baseline dd if="$work/data.npy" of="$folder/baseline" bs=1M conv=fsync status=none)
  up=$(upload "$work/data.npy")
  printf '| %-40s | %5s MB/s | %5s MB/s | %17s |\n' "plain $run (baseline: dd conv=fsync)" "$(mbps "$size" "$base")" \
    "$(mbps "$size" "$up")" "$(awk -v b="$base" -v u="$up" 'BEGIN {printf "%.0f%%", 100 * b / u}')"
  base=$(baseline sh -c "gzip -d -c '$work/data.npy.gz' > '$folder/baseline' && sync '$folder/baseline'")
  up=$(upload "$work/data.npy.gz")
  printf '| %-40s | %5s MB/s | %5s MB/s | %17s |\n' "gzip $run (baseline: gzip -d, sync)" "$(mbps "$size" "$base")" \
    "$(mbps "$size" "$up")" "$(awk -v b="$base" -v u="$up" 'BEGIN {printf "%.0f%%", 100 * b / u}')"
done
echo "server resident memory after the runs: $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"); peak: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")"

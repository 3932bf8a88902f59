#!/usr/bin/env bash
# The engine benchmark (make bench): each item in its own process, for aeserve and for the NumPy
# reference, then one table with ratios, fractions of the sgemm ceiling, peak memory and targets.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: scripts/bench.sh [--only sgemm|train|encode|reconstruct] [--threads N] [--train-samples N]
                        [--epochs N] [--seconds S] [--dataset FILE]
Runs `aeserve bench --json` and scripts/bench_numpy.py item by item and prints one table.
The sgemm ceiling is always measured, at the start and at the end, so every fraction comes
from the same run.
Environment: AESERVE_BIN (default .build/release/aeserve), AESERVE_PYTHON (default .venv/bin/python).
Resident memory of a full Fashion-MNIST epoch: scripts/bench.sh --only train --train-samples 60000 --epochs 1
EOF
}

invocation="scripts/bench.sh${*:+ $*}"
bin=${AESERVE_BIN:-.build/release/aeserve}
python=${AESERVE_PYTHON:-.venv/bin/python}
threads=2
train_samples=10240
items=(sgemm train encode reconstruct)
common=()   # options both programs take, passed on unchanged
while [ $# -gt 0 ]; do
  case $1 in
    --only)
      case ${2:-} in
        sgemm) items=(sgemm) ;;
        train|encode|reconstruct) items=(sgemm "$2") ;;
        *) echo "bench.sh: --only takes sgemm, train, encode or reconstruct" >&2; exit 2 ;;
      esac
      shift 2 ;;
    --threads|--train-samples|--epochs|--seconds|--dataset)
      [ $# -ge 2 ] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      [ "$1" = --threads ] && threads=$2
      [ "$1" = --train-samples ] && train_samples=$2
      common+=("$1" "$2")
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see scripts/bench.sh --help)" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench.sh: no binary at $bin; run 'make build' or set AESERVE_BIN" >&2; exit 1; }
[ -x "$python" ] || { echo "bench.sh: no Python at $python; run scripts/bootstrap.sh or set AESERVE_PYTHON" >&2; exit 1; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT

blas_lib=$(ldd "$bin" | awk '/libblas|libopenblas/ { print $3; exit }')
echo "command:  $invocation"
echo "machine:  $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
     "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "aeserve:  $bin, BLAS $(readlink -f "${blas_lib:-?}")" \
     "(libopenblas0 $(dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null || echo '?'))"
echo "NumPy:    $("$python" scripts/bench_numpy.py --blas-info)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} (left as found, for both)"
echo

# aeserve then NumPy for each item, so that drift in the machine's load hits both alike.
for item in "${items[@]}"; do
  echo "bench: $item, aeserve (load $(cut -d" " -f1 /proc/loadavg))" >&2
  "$bin" bench --only "$item" --json "${common[@]}" >> "$results"
  echo "bench: $item, NumPy" >&2
  if [ "$item" = sgemm ] && [ "$threads" != 1 ]; then
    # NumPy fixes its thread count when it loads OpenBLAS: one process per count.
    "$python" scripts/bench_numpy.py --only sgemm "${common[@]}" --threads 1 >> "$results"
  fi
  "$python" scripts/bench_numpy.py --only "$item" "${common[@]}" >> "$results"
done
if [ "${items[*]}" != sgemm ]; then
  # The ceiling again at the end: a ceiling taken while another process held a core would
  # overstate every fraction, and the table keeps the best of the two.
  echo "bench: sgemm again, aeserve then NumPy (load $(cut -d" " -f1 /proc/loadavg))" >&2
  "$bin" bench --only sgemm --json "${common[@]}" >> "$results"
  "$python" scripts/bench_numpy.py --only sgemm "${common[@]}" >> "$results"
fi

"$python" - "$results" "$threads" "$train_samples" <<'EOF'
import json, sys

path, threads, train_samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [json.loads(line) for line in open(path) if line.strip()]
def find(runtime, item, threads=None, batch=None):
    """The matching figure; for sgemm, measured at the start and the end, the better one."""
    found = [r for r in rows if (r["runtime"], r["item"]) == (runtime, item)
             and threads in (None, r["threads"]) and batch in (None, r.get("batch"))]
    return max(found, key=lambda r: r["value"]) if found else None

ceilings = [r["value"] for r in rows if r["item"] == "sgemm" and r["threads"] == threads]
ceiling = max(ceilings) if ceilings else None
mb = lambda r: f'{r["peak_rss_bytes"] / 1e6:.0f}' if r else "-"
def fraction(r):
    if not r or not ceiling or "flops_per_unit" not in r:
        return None
    return r["value"] * r["flops_per_unit"] / 1e9 / ceiling

keys = []   # (item, threads, batch) in order of first appearance in aeserve's output
for r in rows:
    key = (r["item"], r["threads"], r.get("batch"))
    if r["runtime"] == "aeserve" and key not in keys:
        keys.append(key)

print(f'{"item":<43}{"aeserve":>12}{"NumPy":>12}{"ratio":>8}  {"of ceiling":>16}  {"peak RSS MB":>11}')
print(f'{"":<43}{"":>12}{"":>12}{"ae/np":>8}  {"aeserve / NumPy":>16}  {"ae / np":>11}')
for item, t, batch in keys:
    ae, np_ = find("aeserve", item, t, batch), find("numpy", item, t, batch)
    if item == "sgemm":
        label = f'sgemm n={ae["n"]}, {t} thr (GFLOP/s)'
    elif item == "train":
        label = f'train batch {batch}, {t} thr (samples/s)'
    else:
        label = f'{item} batch {batch}, {t} thr (vectors/s)'
    ratio = f'{ae["value"] / np_["value"]:.2f}x' if np_ else "-"
    fa, fn = fraction(ae), fraction(np_)
    shown = f'{fa:.0%} / {fn:.0%}' if fa is not None and fn is not None else ""
    numpy_value = f'{np_["value"]:.1f}' if np_ else "-"
    print(f'{label:<43}{ae["value"]:>12.1f}{numpy_value:>12}{ratio:>8}  {shown:>16}  {mb(ae) + " / " + mb(np_):>11}')

targets = []
train = find("aeserve", "train")
if train and ceiling:
    targets.append(("training >= 60 % of the 2-thread sgemm ceiling", f"{fraction(train):.0%}", fraction(train) >= 0.60))
for item in ("encode", "reconstruct"):
    r = find("aeserve", item, batch=1024)
    if r and ceiling:
        targets.append((f"batch-1024 {item} >= 75 % of the ceiling", f"{fraction(r):.0%}", fraction(r) >= 0.75))
ae, np_ = find("aeserve", "reconstruct", batch=1), find("numpy", "reconstruct", batch=1)
if ae and np_:
    ratio = ae["value"] / np_["value"]
    targets.append(("batch-1 reconstruct >= 2x NumPy", f"{ratio:.2f}x", ratio >= 2))
if train:
    targets.append((f"training resident < 1 GB ({train_samples} samples)", f'{mb(train)} MB',
                    train["peak_rss_bytes"] < 1e9))
if targets:
    print("\ntargets")
    for name, figure, ok in targets:
        print(f'  {name:<52}{figure:>9}  {"PASS" if ok else "MISS"}')

print()
one, two = find("aeserve", "sgemm", 1), find("aeserve", "sgemm", threads)
if one and two and threads == 2 and two["value"] < 1.6 * one["value"]:
    print(f'WARNING: 2-thread sgemm is only {two["value"] / one["value"]:.2f}x the 1-thread one: another '
          'process held a core, so these figures are unreliable; run again when the machine is quiet.')
if ceiling:
    print(f"ceiling: the best {threads}-thread sgemm of this run (aeserve or NumPy, start or end), {ceiling:.1f} GFLOP/s.")
flops = {r["item"]: r["flops_per_unit"] for r in rows if r["runtime"] == "aeserve" and "flops_per_unit" in r}
if flops:
    print("flops per sample: train 6·parameters (forward 2, backward 4 per weight); encode 2·encoder weights;")
    print("  reconstruct 2·all weights; biases and activations not counted: "
          + ", ".join(f"{k} {v / 1e6:.2f} M" for k, v in flops.items()) + ".")
print("figures: sgemm (20 rounds) and inference (5) the best round over --seconds; training the best epoch after the first.")
print("peak RSS: getrusage ru_maxrss of each item's own process (includes loading the dataset).")
EOF
echo
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"

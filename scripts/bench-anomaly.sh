#!/usr/bin/env bash
# The one-class anomaly benchmark (make bench): aeserve against PCA and an isolation forest on
# Fashion-MNIST, every class in turn; see scripts/bench_anomaly.py for the options.
#   scripts/bench-anomaly.sh [bench_anomaly.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${AESERVE_BIN:-.build/release/aeserve}
python=${AESERVE_PYTHON:-.venv/bin/python}
[ -x "$bin" ] || { echo "no binary at $bin; run make build" >&2; exit 1; }
exec "$python" scripts/bench_anomaly.py --aeserve "$bin" "$@"

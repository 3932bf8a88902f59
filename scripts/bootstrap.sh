#!/usr/bin/env bash
# Installs what aeserve needs on a Debian machine: system packages (only those missing)
# and the pinned Python test tools in an ignored virtual environment (.venv).
# `bootstrap.sh container` also installs what `make container-check` needs: Debian's Docker
# engine and mmdebstrap (which builds stand-in base images where no registry is reachable).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev zlib1g-dev libssl-dev pkg-config dataset-fashion-mnist curl wrk openssl
          chromium chromium-driver  # the console's browser tests (scripts/check-console.py)
          nginx)  # replicas behind a proxy (scripts/check-replicas.py)
[ "${1:-}" = container ] && packages+=(docker.io mmdebstrap)
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  # Other work on the machine may hold dpkg's lock for a while: wait for it instead of failing.
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi

# Python tools for the test suite and the NumPy references, pinned in one file.
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: creating .venv from requirements-dev.txt"
  if ! python3 -m venv .venv 2>/dev/null; then
    $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

#!/usr/bin/env bash
# Builds the Dockerfile with a real Docker engine and checks the image as an operator runs it
# (scripts/container_check.py). `make container-check` runs it; `.ci/run` runs it after `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Images, the engine's data and its lock live outside the work tree, so that fresh clones on the
# same machine (CI's) reuse the base images and the build cache; AESERVE_CONTAINER_CACHE moves it.
cache=${AESERVE_CONTAINER_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/aeserve-container}
image=${AESERVE_IMAGE:-aeserve:check}
started=$SECONDS
step_started=$SECONDS
step() {
  echo "container-check: [$((SECONDS - started)) s, previous step $((SECONDS - step_started)) s] $*"
  step_started=$SECONDS
}

scripts/bootstrap.sh container
mkdir -p "$cache"
# One run at a time per machine: two runs would start two engines on one data root.
exec 9>"$cache/lock"
if ! flock -n 9; then
  echo "container-check: waiting for another run on this machine ($cache/lock)"
  flock 9
fi

# Debian's 20.10 client matches Debian's engine; a newer client found first on PATH may lack
# the builder plugin it expects.
docker=docker
[ -x /usr/bin/docker ] && docker=/usr/bin/docker
engine_pid=

engine_answers() { timeout 20 "$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# A private engine: its own data root, exec root, socket and pidfile under $cache. It starts
# with no bridge and no iptables rules (every build and container here uses the host's network),
# so it leaves no interface or firewall chain behind when it stops.
start_engine() {
  local root=$cache/engine
  mkdir -p "$root"
  export DOCKER_HOST=unix://$root/docker.sock
  # An engine left by an interrupted run of this script (killed before its trap ran) is ours.
  if [ -s "$root/dockerd.pid" ] && [ "$(cat "/proc/$(cat "$root/dockerd.pid")/comm" 2>/dev/null)" = dockerd ]; then
    engine_pid=$(cat "$root/dockerd.pid")
    if engine_answers; then step "reusing the engine left by an earlier run (pid $engine_pid)"; return; fi
    stop_engine
  fi
  dockerd --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/dockerd.pid" \
    --host "$DOCKER_HOST" --bridge=none --iptables=false --ip6tables=false --log-level=warn \
    > "$root/dockerd.log" 2>&1 9>&- &
  engine_pid=$!
  for _ in $(seq 120); do
    engine_answers && { step "started a private engine (dockerd pid $engine_pid, data root $root/data)"; return; }
    kill -0 "$engine_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "container-check: dockerd did not answer within 60 s; its log:" >&2
  tail -30 "$root/dockerd.log" >&2
  exit 1
}

stop_engine() {
  [ -n "$engine_pid" ] || return 0
  kill -TERM "$engine_pid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$engine_pid" 2>/dev/null; then
    echo "container-check: dockerd $engine_pid did not stop within 30 s; killing it" >&2
    kill -KILL "$engine_pid" 2>/dev/null || true
  fi
  engine_pid=
  # dockerd keeps the host's network namespace bind-mounted in its exec root after it stops.
  local netns=$cache/engine/exec/netns/default
  if mountpoint -q "$netns" 2>/dev/null; then umount "$netns" || true; fi
  if ip link show docker0 >/dev/null 2>&1; then
    echo "container-check: note: a docker0 bridge exists; this script's engine makes none, so it is left alone" >&2
  fi
}

finish() {
  local status=$?
  stop_engine
  if [ "$status" -eq 0 ]; then step "done in $((SECONDS - started)) s"; else echo "container-check: FAILED (status $status)" >&2; fi
}
trap finish EXIT

if [ -n "${DOCKER_HOST:-}" ] && engine_answers; then
  step "using the engine at $DOCKER_HOST"
elif [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && engine_answers; then
  step "using the engine at /var/run/docker.sock"
else
  start_engine
fi
echo "container-check: engine $("$docker" version --format '{{.Server.Version}}'), client $("$docker" version --format '{{.Client.Version}}')"

# Base images: the Dockerfile's FROM images, pulled when a registry answers, else stand-ins of
# the same tags built from Debian's archive and this machine's Swift toolchain.
for base in $(awk 'toupper($1) == "FROM" { print $2 }' Dockerfile); do
  if "$docker" image inspect "$base" >/dev/null 2>&1; then
    kind=$("$docker" image inspect --format '{{index .Config.Labels "org.aeserve.stand-in"}}' "$base" 2>/dev/null || true)
    step "base image $base is here${kind:+ (a local stand-in: $kind)}"
  elif timeout 120 "$docker" pull -q "$base" >/dev/null 2>&1; then
    step "pulled $base"
  else
    echo "container-check: $base cannot be pulled (no registry reachable): building a local stand-in of the same tag"
    scripts/container-standin.sh "$docker" "$base"
    step "built the stand-in $base"
  fi
done

# The Dockerfile as it is, with the host's network for its RUN steps (the engine has no bridge).
# Its build stage is built and tagged first: the layers of an untagged stage count as dangling,
# and the prune below would take the compile's cache with them.
build() { "$docker" build --network host "$@" . 2>&1 | sed -u -e 's/\x1b\[[0-9;]*m//g' -e 's/^/  build: /'; }
stage=$(awk 'toupper($1) == "FROM" && toupper($3) == "AS" { print $4; exit }' Dockerfile)
build --target "$stage" -t "$image-$stage"
build -t "$image"
step "built $image"
size=$("$docker" image inspect --format '{{.Size}}' "$image")
echo "container-check: image $image is $((size / 1000000)) MB ($size bytes); its layers:"
"$docker" history --format '  {{.Size}}\t{{.CreatedBy}}' "$image" | cut -c1-150 | head -20
# Replaced builds leave untagged layers behind; keeping only the current ones bounds the cache.
"$docker" image prune -f >/dev/null

# The checks run against the release binary `make build` left, for the reference answers.
python3 scripts/container_check.py --docker "$docker" --image "$image" --host-binary "${AESERVE_BIN:-.build/release/aeserve}"
step "checks passed"

#!/usr/bin/env bash
# container-standin.sh DOCKER TAG: builds a local stand-in for an official base image that no
# registry can give here, under the same tag, labelled org.aeserve.stand-in:
#   debian:bookworm-slim   mmdebstrap minbase from Debian's archive (bookworm, -updates,
#                          -security), trimmed and apt-configured as the official slim image;
#   swift:X-bookworm       that image plus the packages of the official image's Dockerfile
#                          (swiftlang/swift-docker, debian/12), this machine's Swift toolchain
#                          (which must be version X) in /usr as there, and the folders of package
#                          repositories that git reads github.com from on this machine.
set -euo pipefail
docker=$1 tag=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

debian_slim() {
  # The machine's apt may read a frozen snapshot of the archive whose Release files are past
  # their Valid-Until date; the stand-in's apt must read it the same way.
  local aptopts=()
  while IFS= read -r line; do
    [ -n "$line" ] && aptopts+=("--aptopt=$line")
  done < <(apt-config dump | grep -E '^Acquire::Check-(Valid-Until|Date) ' || true)
  # The official image's apt configuration (debuerreotype's docker-* files): no package cache
  # or downloaded .debs kept in layers, compressed indexes, no translations.
  local clean='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'
  # merged-usr through usr-is-merged as the official image, not the usrmerge package (which
  # pulls in perl); slim: no manuals, documentation (copyright files kept) or translations.
  mmdebstrap --variant=minbase --quiet --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${aptopts[@]}" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --customize-hook="printf '%s\n' '$clean' > \"\$1/etc/apt/apt.conf.d/docker-clean\"" \
    --customize-hook='echo "Acquire::GzipIndexes \"true\";" > "$1/etc/apt/apt.conf.d/docker-gzip-indexes"' \
    --customize-hook='echo "Acquire::Languages \"none\";" > "$1/etc/apt/apt.conf.d/docker-no-languages"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
    bookworm - 2>"$log" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
  | "$docker" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --change 'LABEL org.aeserve.stand-in="mmdebstrap minbase bookworm from deb.debian.org"' \
      - "$tag" >/dev/null \
  || { echo "container-standin: mmdebstrap or docker import failed; mmdebstrap's log:" >&2; tail -40 "$log" >&2; exit 1; }
}

swift_bookworm() {
  local version=${tag#swift:}
  version=${version%-bookworm}
  local swift toolchain
  swift=$(command -v swift) || { echo "container-standin: no swift on PATH for the $tag stand-in" >&2; exit 1; }
  toolchain=$(dirname "$(dirname "$(readlink -f "$swift")")")
  if ! "$swift" --version 2>/dev/null | grep -q "Swift version $version "; then
    echo "container-standin: $tag needs Swift $version; this machine has: $("$swift" --version 2>&1 | head -1)" >&2
    exit 1
  fi
  if ! "$docker" image inspect debian:bookworm-slim >/dev/null 2>&1; then
    echo "container-standin: $tag is built on debian:bookworm-slim, which is missing: building its stand-in first"
    "$0" "$docker" debian:bookworm-slim
  fi

  # SwiftPM has no mirror setting here: git rewrites the packages' URLs (url.<folder>.insteadOf
  # in /etc/gitconfig) to folders of bare repositories. The image gets the same folders and rules.
  local rules folders=() mounts=()
  rules=$(git config --system --get-regexp '^url\..*\.insteadof$' || true)
  while read -r key _; do
    [ -n "$key" ] || continue
    local folder=${key#url.}
    folder=${folder%.insteadof}
    case " ${folders[*]} " in *" $folder "*) ;; *) folders+=("$folder"); mounts+=(-v "$folder:/mnt/packages$folder:ro") ;; esac
  done <<< "$rules"

  local name=aeserve-standin-$$
  # The official image's packages (with their recommends, as there), then the toolchain as /usr.
  "$docker" run --name "$name" --network host -v "$toolchain:/mnt/toolchain:ro" "${mounts[@]}" \
    -e RULES="$rules" debian:bookworm-slim bash -euo pipefail -c '
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils libicu-dev libcurl4-openssl-dev \
        libedit-dev libsqlite3-dev libncurses-dev libpython3-dev libxml2-dev pkg-config uuid-dev tzdata \
        git gcc libstdc++-12-dev >/dev/null
      rm -rf /var/lib/apt/lists/*
      cp -a /mnt/toolchain/. /usr/
      if [ -d /mnt/packages ]; then cp -a /mnt/packages/. /; fi
      while read -r key value; do
        [ -n "$key" ] && git config --system --add "${key%.insteadof}.insteadOf" "$value"
      done <<< "$RULES"
      swift --version' \
    || { "$docker" rm -f "$name" >/dev/null 2>&1; exit 1; }
  "$docker" commit \
    --change 'CMD ["bash"]' --change "ENV SWIFT_PLATFORM=debian12 SWIFT_VERSION=swift-$version-RELEASE" \
    --change "LABEL org.aeserve.stand-in=\"debian:bookworm-slim stand-in + Swift $version from $toolchain + packages from ${folders[*]}\"" \
    "$name" "$tag" >/dev/null
  "$docker" rm "$name" >/dev/null
}

case "$tag" in
  debian:bookworm-slim) debian_slim ;;
  swift:*-bookworm) swift_bookworm ;;
  *) echo "container-standin: no recipe for $tag; pull it on a machine with a registry" >&2; exit 1 ;;
esac

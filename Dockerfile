# aeserve image: build with the Swift toolchain, run on slim Debian with only runtime libraries.
#   docker build -t aeserve .
#   docker run -p 8080:8080 -v aeserve-models:/var/lib/aeserve/models -v aeserve-state:/var/lib/aeserve/state aeserve
# `make container-check` builds it with a real engine and checks it (scripts/container-check.sh).

# ---- build: the same script as `make build` ----
FROM swift:6.3.1-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Debian versions are not pinned (DL3008): bookworm's security updates replace the pinned
# version in the archive, and an old pin would then break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas-dev zlib1g-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the release binary is built from (.dockerignore keeps the rest out of the context):
# the manifest leaves out the test targets, so editing tests or docs does not rebuild.
ENV AESERVE_BUILD_TESTS=0
# Resolve dependencies in their own layer, so a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY scripts/build-release.sh scripts/
COPY Sources/ Sources/
# Stripped: the symbol table is a quarter of the binary and nothing reads it at run time.
RUN bin="$(scripts/build-release.sh)" && install -m 0755 --strip "$bin" /usr/local/bin/aeserve

# ---- runtime ----
FROM debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The binary links the Swift runtime, Foundation and Dispatch statically (--static-swift-stdlib);
# what `ldd` still shows comes from these packages and from libc6, libgcc-s1 and libstdc++6,
# which the base image has. ContainerTests checks this list against the binary.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libgfortran5 libquadmath0 libssl3 zlib1g \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric UID, so that volume ownership is predictable and Kubernetes' runAsNonRoot
# can verify it. Not a --system account: those must stay under SYS_UID_MAX (999).
RUN groupadd --gid 10001 aeserve \
    && useradd --uid 10001 --gid aeserve --no-log-init --home-dir /var/lib/aeserve --no-create-home \
       --shell /usr/sbin/nologin aeserve \
    && mkdir -p /etc/aeserve /var/lib/aeserve/models /var/lib/aeserve/state \
    && chown -R aeserve:aeserve /var/lib/aeserve

COPY --from=build /usr/local/bin/aeserve /usr/local/bin/aeserve
# The configuration is part of the image, read-only to the server; replace it by mounting a
# file or folder on /etc/aeserve (a Kubernetes ConfigMap, say), or override keys with AESERVE_*.
COPY config/aeserve.json /etc/aeserve/aeserve.json
# The bundled models; a new named volume on /var/lib/aeserve/models starts as a copy of them.
COPY --chown=aeserve:aeserve models/ /var/lib/aeserve/models/

# Models (trained versions are written here) and state (the job queue, activations).
VOLUME ["/var/lib/aeserve/models", "/var/lib/aeserve/state"]
WORKDIR /var/lib/aeserve
USER 10001:10001
EXPOSE 8080

# GET /healthz through bash's /dev/tcp: bash is already in the base image, while curl would add
# libcurl and a dozen libraries to the image only for this probe. Plain HTTP on port 8080, or
# on AESERVE_SERVER_PORT when that moves the server. A 5 s interval makes a new container
# healthy within seconds (Docker 20.10 has no --start-interval); a probe is one bash exec.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${AESERVE_SERVER_PORT:-8080} && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 2 _ code _ <&3 && [ \"$code\" = 200 ]"]

# `docker stop` sends SIGTERM: the server drains (server.drain_timeout_seconds, 8 s, inside
# the engine's default 10 s grace) and exits 0.
STOPSIGNAL SIGTERM
CMD ["aeserve", "serve", "--config", "/etc/aeserve/aeserve.json"]

# aeserve image: build with the Swift toolchain, run on slim Debian with only runtime libraries.
#   docker build -t aeserve .
#   docker run -p 8080:8080 -v aeserve-models:/var/lib/aeserve/models -v aeserve-state:/var/lib/aeserve/state aeserve

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
# Resolve dependencies in their own layer, so a source change does not fetch them again.
COPY Package.* ./
RUN swift package resolve
COPY . .
RUN bin="$(scripts/build-release.sh)" && install -m 0755 "$bin" /usr/local/bin/aeserve

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
# can verify it.
RUN groupadd --system --gid 10001 aeserve \
    && useradd --system --uid 10001 --gid aeserve --home-dir /var/lib/aeserve --no-create-home \
       --shell /usr/sbin/nologin aeserve \
    && mkdir -p /etc/aeserve /var/lib/aeserve/models /var/lib/aeserve/state \
    && chown -R aeserve:aeserve /var/lib/aeserve

COPY --from=build /usr/local/bin/aeserve /usr/local/bin/aeserve
COPY config/aeserve.json /etc/aeserve/aeserve.json
# The bundled models; a new named volume on /var/lib/aeserve/models starts as a copy of them.
COPY --chown=aeserve:aeserve models/ /var/lib/aeserve/models/

# Configuration (read-only), models (trained versions are written here) and state (the job queue).
VOLUME ["/etc/aeserve", "/var/lib/aeserve/models", "/var/lib/aeserve/state"]
WORKDIR /var/lib/aeserve
USER 10001:10001
EXPOSE 8080

# GET /healthz through bash's /dev/tcp: bash is already in the base image, while curl would add
# libcurl and a dozen libraries to the image only for this probe. Plain HTTP on port 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 4 _ code _ <&3 && [ \"$code\" = 200 ]"]

# The server drains its connections and exits 0 on SIGTERM, which `docker stop` sends.
STOPSIGNAL SIGTERM
CMD ["aeserve", "serve", "--config", "/etc/aeserve/aeserve.json"]

# syntax=docker/dockerfile:1
#
# One image with every hxb-* executable of the control plane (hxb-auth, hxb-edge, hxb-bench,
# and the protobuf-c example client hxb-c-client). The container's command picks the service:
#
#   docker build -t hexabase/hxb:dev .
#   docker run --rm hexabase/hxb:dev hxb-auth
#
# Build and run stages are both Debian bookworm, so the C libraries found at build time
# (libnats, libpq, libargon2) are the very versions installed at run time. Debian package
# versions are not pinned (hadolint DL3008): bookworm's point releases only take fixes.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
# Swift build: services and tools, release, Swift runtime linked statically.
# ---------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS swift-build

# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        pkg-config libnats-dev libpq-dev libargon2-dev libprotobuf-c-dev libcurl4-openssl-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve dependencies in their own layer: it is reused until Package.swift changes.
COPY Package.* ./
RUN swift package resolve

# Only what the package needs; never a host .build/ folder.
COPY Plugins ./Plugins
COPY Tools ./Tools
COPY Shared ./Shared
COPY Services ./Services
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
COPY proto ./proto

RUN swift build -c release --static-swift-stdlib

# Stage every hxb-* executable (and any resource bundle) in /staging.
RUN set -eu \
    && bin="$(swift build -c release --show-bin-path)" \
    && mkdir -p /staging/bin \
    && find "$bin" -maxdepth 1 -type f -name 'hxb-*' -perm -u+x -exec cp -a {} /staging/bin/ \; \
    && find -L "$bin" -maxdepth 1 -name '*.resources' -exec cp -Ra {} /staging/bin/ \; \
    && if [ -x /usr/libexec/swift/linux/swift-backtrace-static ]; then \
         cp /usr/libexec/swift/linux/swift-backtrace-static /staging/bin/; fi \
    && ls -l /staging/bin

# ---------------------------------------------------------------------------------------------
# C build: the protobuf-c example client (proves any protobuf-c program can call the suite).
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm AS c-build

# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        gcc libc6-dev make pkg-config libnats-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY proto ./proto
COPY examples/c-client ./examples/c-client
RUN rm -rf examples/c-client/build && make -C examples/c-client CC=gcc

# ---------------------------------------------------------------------------------------------
# Runtime: Debian slim, the C libraries' runtime packages only, non-root.
# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE}

# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        ca-certificates libnats3.4 libpq5 libargon2-1 libprotobuf-c1 libcurl4 libstdc++6 \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so Kubernetes' runAsNonRoot can check it.
RUN groupadd --system --gid 10001 hxb \
    && useradd --system --uid 10001 --gid hxb --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin hxb

COPY --from=swift-build /staging/bin/ /usr/local/bin/
COPY --from=c-build /build/examples/c-client/build/hxb-c-client /usr/local/bin/hxb-c-client

# Readable crash backtraces from the statically linked Swift runtime.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=none,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace-static
# In a container the edge and every operations server (probes, Prometheus) must listen on
# every interface; both default to 127.0.0.1.
ENV HXB_EDGE_HOST=0.0.0.0 \
    HXB_OPS_HOST=0.0.0.0

USER 10001:10001
WORKDIR /

# 8080: edge HTTP API · 9100: edge operations · 9101: auth operations
EXPOSE 8080 9100 9101

CMD ["hxb-edge"]

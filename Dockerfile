# syntax=docker/dockerfile:1
#
# RpoStreams: the gate (ASP.NET Core, port 8080) and the `rpo` command line in one image.
#
#   docker build -t rpostreams:dev .
#   docker run --memory 5g --read-only --tmpfs /tmp -v rpo-state:/var/lib/rpo/state -p 8080:8080 \
#     -e Kafka__BootstrapServers=broker:9092 -e SchemaRegistry__Url=http://registry:8081 \
#     -e Subjects__HashSecret=... rpostreams:dev
#   docker run --rm --read-only --tmpfs /tmp --entrypoint rpo rpostreams:dev simulate --bootstrap broker:9092 ...
#
# .NET 10 ships no Debian images: its default Linux images are Ubuntu 24.04 "noble" (glibc),
# pinned here by name so the distro cannot change under a rebuild. glibc matters: the RocksDB and
# librdkafka builds the code loads are glibc builds (librdkafka falls back to centos8-librdkafka.so,
# which needs nothing but glibc; the plain librdkafka.so wants libsasl2.so.3, which Ubuntu lacks).
ARG DOTNET_TAG=10.0-noble

# ---- dashboard: the front end (chart.js from npm, bundled by esbuild) into wwwroot/ -----------------
FROM --platform=$BUILDPLATFORM node:22-bookworm-slim AS dashboard
WORKDIR /src/services/RpoStreams.Gate/dashboard
COPY services/RpoStreams.Gate/dashboard/package.json services/RpoStreams.Gate/dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/RpoStreams.Gate/dashboard/ ./
RUN npm run build --silent

# ---- build: restore, publish, keep only the target architecture's native libraries ----------------
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:${DOTNET_TAG} AS build
ARG TARGETARCH
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /src

# Restore from the project files alone, so the package layer survives source edits.
COPY Directory.Build.props Directory.Packages.props ./
COPY services/RpoStreams.Records/RpoStreams.Records.csproj services/RpoStreams.Records/
COPY services/RpoStreams.Policy/RpoStreams.Policy.csproj services/RpoStreams.Policy/
COPY services/RpoStreams.Contracts/RpoStreams.Contracts.csproj services/RpoStreams.Contracts/
COPY services/RpoStreams.DevKafka/RpoStreams.DevKafka.csproj services/RpoStreams.DevKafka/
COPY services/RpoStreams.Simulation/RpoStreams.Simulation.csproj services/RpoStreams.Simulation/
COPY services/RpoStreams.Gate/RpoStreams.Gate.csproj services/RpoStreams.Gate/
COPY services/RpoStreams.Cli/RpoStreams.Cli.csproj services/RpoStreams.Cli/
RUN dotnet restore services/RpoStreams.Cli/RpoStreams.Cli.csproj

# schemas/ is compiled into RpoStreams.Contracts as embedded resources (the local schema registry).
COPY schemas/ schemas/
COPY services/ services/
# The dashboard built above; the SDK image has no Node.js, so the publish below skips npm (DashboardBuild=false).
COPY --from=dashboard /src/services/RpoStreams.Gate/wwwroot/ services/RpoStreams.Gate/wwwroot/

# Framework-dependent and portable (no runtime identifier): the same runtimes/<rid>/native layout as
# `dotnet run`, which is what the librdkafka loaders (Confluent.Kafka's and RpoStreams.DevKafka's) and
# RocksDB look in. No apphost, so the build stage can run on the build machine's architecture.
# The CLI goes first: it carries a copy of the gate's build-time deps.json, which the gate's own
# publish then replaces.
RUN dotnet publish services/RpoStreams.Cli/RpoStreams.Cli.csproj -c Release --no-restore -o /out/app -p:UseAppHost=false -p:DashboardBuild=false \
 && dotnet publish services/RpoStreams.Gate/RpoStreams.Gate.csproj -c Release --no-restore -o /out/app -p:UseAppHost=false -p:DashboardBuild=false

# Keep the native libraries of the target architecture only (win, osx, s390x, musl builds: ~150 MB).
RUN case "${TARGETARCH:-amd64}" in \
      amd64) keep=linux-x64 ;; \
      arm64) keep=linux-arm64 ;; \
      *) echo "unsupported TARGETARCH '${TARGETARCH}': RocksDB and librdkafka ship linux-x64 and linux-arm64 only" >&2; exit 1 ;; \
    esac \
 && find /out/app/runtimes -mindepth 1 -maxdepth 1 -type d ! -name "${keep}" ! -name linux ! -name unix -exec rm -rf {} + \
 && rm -f /out/app/runtimes/"${keep}"/native/*musl* /out/app/runtimes/"${keep}"/native/alpine-* \
 && mkdir -p /out/bin \
 && printf '#!/bin/sh\nexec dotnet /app/rpo.dll "$@"\n' > /out/bin/rpo \
 && chmod 0755 /out/bin/rpo

# ---- runtime ---------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_TAG} AS runtime

LABEL org.opencontainers.image.title="rpostreams" \
      org.opencontainers.image.description="RpoStreams gate (RPO do-not-call compliance gate for Kafka) and the rpo CLI"

# Without a configured URL the gate listens on http://localhost:8080 only (GateHost); the image listens on
# every interface (either variable alone is enough).
# The image runs as Production (no ASPNETCORE_ENVIRONMENT), so the gate logs JSON lines (Logging__Format=text for text).
# Memory: the gate's runtimeconfig caps the GC heap at 60 % of the container's memory limit
# (System.GC.HeapHardLimitPercent), so give the container one (docker run --memory 5g, the Kubernetes
# limit in k8s/base/statefulset.yaml); RocksDB and librdkafka use the rest (docs/operations.md, "Memory").
# ASPNETCORE_HTTP_PORTS, which the base image sets, is cleared: with the URLs set too, ASP.NET Core warns at every start.
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_URLS=http://+:8080 \
    Urls=http://+:8080 \
    TMPDIR=/tmp \
    Streams__StateDir=/var/lib/rpo/state

# Native memory (RocksDB, librdkafka) through gperftools' tcmalloc: 10-15 % less gate CPU per decision than
# glibc's malloc, and no more resident memory (docs/performance.md, "Settings tried"). The package is
# libtcmalloc-minimal4t64 on Ubuntu 24.04 and libtcmalloc-minimal4 on Debian; LD_PRELOAD finds the library by
# name on either architecture. LD_PRELOAD= (empty) at run time goes back to glibc's malloc.
RUN apt-get update \
 && { apt-get install -y --no-install-recommends libtcmalloc-minimal4t64 || apt-get install -y --no-install-recommends libtcmalloc-minimal4; } \
 && rm -rf /var/lib/apt/lists/* \
 && ldconfig -p | grep -q libtcmalloc_minimal.so.4
ENV LD_PRELOAD=libtcmalloc_minimal.so.4

# The only writable paths are /var/lib/rpo/state (RocksDB, a volume) and /tmp (a tmpfs or emptyDir),
# so the container runs with a read-only root file system. Group 0 with group write lets platforms
# that assign an arbitrary UID (OpenShift) use the directory too.
RUN mkdir -p /var/lib/rpo/state \
 && chown 1654:0 /var/lib/rpo/state \
 && chmod 0770 /var/lib/rpo/state

WORKDIR /app
COPY --from=build /out/app/ /app/
COPY --from=build /out/bin/rpo /usr/local/bin/rpo

VOLUME ["/var/lib/rpo/state"]
EXPOSE 8080

# 1654 is the non-root `app` user of the .NET images; numeric so that runAsNonRoot can verify it.
USER 1654:1654

# No curl in the image: bash's /dev/tcp is enough for a liveness check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "RpoStreams.Gate.dll"]

# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone on a distroless base as a
# non-root user. Data goes to /data (mount a volume) unless MONGODB_URI is set.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# The module and build caches persist across builds (BuildKit cache mounts).
RUN --mount=type=cache,target=/go/pkg/mod go mod download
# .dockerignore keeps data/ (real check-ins), .git and binaries out.
COPY . .
ARG VERSION=dev
# The commit, for kpibot_build_info: .git stays out of the build context.
ARG REVISION=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" -o /out/kpibot ./cmd/kpibot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kpibot /usr/local/bin/kpibot
COPY --from=build --chown=nonroot:nonroot /out/data /data
# Slack's request URLs on 8080; /healthz, /readyz and /metrics on 9090,
# for the orchestrator and Prometheus only: publish it on a private
# network, never beside 8080 on the internet.
ENV KPIBOT_DATA_DIR=/data KPIBOT_ADDR=:8080 KPIBOT_ADMIN_ADDR=:9090
VOLUME /data
EXPOSE 8080 9090
USER nonroot:nonroot
# No shell or curl on distroless: the binary asks its own /readyz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/usr/local/bin/kpibot","healthcheck"]
ENTRYPOINT ["/usr/local/bin/kpibot"]

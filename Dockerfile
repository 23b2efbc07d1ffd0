# relgate's container image: the binary only, on distroless, as a non-root
# user. `make image` builds it with docker or buildah.
#
# Pin both base images by digest where you build releases
# (FROM golang:1.26-bookworm@sha256:…): the admission server is admitted
# like any other workload.

# Build: cgo is on because pg_query (the PostgreSQL parser of the
# migrations scanner) is C; trivy needs encoding/json/v2.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ENV CGO_ENABLED=1 GOEXPERIMENT=jsonv2
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/relgate ./cmd/relgate && \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/relgate-scanners ./cmd/relgate-scanners

# The pre-commit image (`docker build --target git`, published as
# ghcr.io/relgate/relgate:latest-git for the relgate-docker hook): `check
# --staged` reads the index with the git CLI, which distroless has not. The
# same two binaries, git and CA certificates on Debian slim, as a non-root
# user; pre-commit runs it as the committer's uid with the repository at /src.
FROM debian:bookworm-slim AS git
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out/relgate /out/relgate-scanners /usr/local/bin/
ENV HOME=/tmp
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/relgate"]

# Run (the default target, last): glibc (the cgo binary links it) and CA certificates for registries,
# no shell, no package manager. The binaries are all that is copied in:
# relgate, and beside it relgate-scanners, which runs the scanners built on
# trivy and osv-scanner.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/relgate /out/relgate-scanners /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/relgate"]
CMD ["serve", "--help"]

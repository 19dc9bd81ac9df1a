# Multi-stage build: a static binary in a distroless-style scratch image.
# Build: docker build -t airudder_exporter .
# Run:   docker run -p 10133:10133 -e AIRUDDER_APP_KEY=... -e AIRUDDER_APP_SECRET=... \
#          -e WEBHOOK_TOKEN=... -v airudder-data:/var/lib/airudder_exporter airudder_exporter
FROM golang:1.26-bookworm AS build
# The fixed toolchain of go.mod (go1.26.10: standard-library security fixes);
# the go command fetches it from the module proxy if the image is older.
ENV GOTOOLCHAIN=go1.26.10
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=docker \
        -X github.com/prometheus/common/version.BuildUser=docker" \
      -o /out/airudder_exporter . \
 && mkdir -p /out/data

FROM scratch
# CA certificates for https://api.airudder.com; time zones are embedded in the binary (time/tzdata).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/airudder_exporter /bin/airudder_exporter
COPY config.yml /etc/airudder_exporter/config.yml
# Dedup memory survives restarts when this directory is a volume.
COPY --from=build --chown=65534:65534 /out/data /var/lib/airudder_exporter
WORKDIR /var/lib/airudder_exporter
USER 65534:65534
EXPOSE 10133
VOLUME ["/var/lib/airudder_exporter"]
ENTRYPOINT ["/bin/airudder_exporter"]
CMD ["--config.file=/etc/airudder_exporter/config.yml", "--storage.path=/var/lib/airudder_exporter"]

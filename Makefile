# Convenience targets; the README's two commands need none of them.
VERSION  ?= $(shell cat VERSION 2>/dev/null || echo 0.1.0)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH   ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
# The build's time (SOURCE_DATE_EPOCH when set, for reproducible builds) and
# who built it: USER is unset in many CI and container shells.
BUILD_DATE ?= $(shell date -u $(if $(SOURCE_DATE_EPOCH),-d @$(SOURCE_DATE_EPOCH)) +%Y%m%d-%H:%M:%S)
BUILD_USER ?= $(or $(USER),$(shell id -un 2>/dev/null),unknown)@$(or $(shell hostname 2>/dev/null),unknown)
LDFLAGS  := -s -w \
  -X github.com/prometheus/common/version.Version=$(VERSION) \
  -X github.com/prometheus/common/version.Revision=$(REVISION) \
  -X github.com/prometheus/common/version.Branch=$(BRANCH) \
  -X github.com/prometheus/common/version.BuildUser=$(BUILD_USER) \
  -X github.com/prometheus/common/version.BuildDate=$(BUILD_DATE)

# Release builds use one pinned toolchain (go.mod's `toolchain` line), fetched
# from the Go module proxy when the local one differs. Plain `=` on purpose: an
# environment GOTOOLCHAIN=local must not silently build with another Go.
export GOTOOLCHAIN = go1.26.10

# Container image, built the way the Prometheus projects do it: the static
# binary is built outside (`make build`) and copied with the CA certificates
# and the default config into a FROM-scratch image. Podman, else Docker.
IMAGE            ?= airudder_exporter:latest
CONTAINER_ENGINE ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
CA_CERTS         ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: build image alerts mixin test ci fuzz bench demo
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o airudder_exporter .

# .build/ is the whole build context (.dockerignore excludes everything else):
# the binary, the host's CA bundle, and the image's file tree. In the image,
# /etc/airudder_exporter is the working directory, so the binary's defaults
# (--config.file=config.yml, --storage.path=data) find the shipped config and
# keep the dedup state in the volume through the `data` symlink.
image: build
	@test -n "$(CONTAINER_ENGINE)" || { echo "make image: neither podman nor docker found" >&2; exit 1; }
	@test -s "$(CA_CERTS)" || { echo "make image: no CA bundle at $(CA_CERTS) (apt-get install ca-certificates)" >&2; exit 1; }
	rm -rf .build
	mkdir -p .build/rootfs/etc/airudder_exporter .build/rootfs/var/lib .build/state
	cp airudder_exporter .build/airudder_exporter
	cp "$(CA_CERTS)" .build/ca-certificates.crt
	cp config.yml .build/rootfs/etc/airudder_exporter/config.yml
	ln -s /var/lib/airudder_exporter .build/rootfs/etc/airudder_exporter/data
	"$(CONTAINER_ENGINE)" build --label org.opencontainers.image.version="$(VERSION)" \
	  --label org.opencontainers.image.revision="$(REVISION)" -t "$(IMAGE)" .

# Alert rules with clickable runbook links: the generator (cmd/mixin) puts
# RUNBOOK_BASE_URL in front of every runbook_url "RUNBOOK.md#<alert>", e.g.
# make alerts RUNBOOK_BASE_URL=https://git.example.com/airudder_exporter/blob/main/
# Output: .build/alerts/ (and .build/dashboards/). The Helm chart has the same
# setting (prometheusRule.runbookBaseURL); for every other key of the mixin
# config (job selector, rate window, thresholds) use `make mixin`.
RUNBOOK_BASE_URL ?=
alerts:
	@test -n "$(RUNBOOK_BASE_URL)" || { echo "make alerts: set RUNBOOK_BASE_URL=https://.../ (where RUNBOOK.md is served)" >&2; exit 1; }
	mkdir -p .build
	printf 'runbook_base_url: "%s"\n' "$(RUNBOOK_BASE_URL)" > .build/mixin-runbook.yml
	go run ./cmd/mixin --config .build/mixin-runbook.yml --dashboards.dir .build/dashboards --rules.dir .build/alerts
	@echo "rules with runbook links under $(RUNBOOK_BASE_URL): .build/alerts/"

# Dashboards and rules built with your own mixin config (selectors,
# thresholds): make mixin MIXIN_CONFIG=my-mixin.yml → .build/dashboards/,
# .build/alerts/. `go run ./cmd/mixin --print-config` shows every key.
MIXIN_CONFIG ?=
mixin:
	@test -n "$(MIXIN_CONFIG)" || { echo "make mixin: set MIXIN_CONFIG=my-mixin.yml (go run ./cmd/mixin --print-config > my-mixin.yml)" >&2; exit 1; }
	go run ./cmd/mixin --config "$(MIXIN_CONFIG)" --dashboards.dir .build/dashboards --rules.dir .build/alerts

demo:
	go run . --demo
test:
	go test -race ./...
ci:
	bash .ci/run
fuzz:
	bash .ci/fuzz 5m
bench:
	go test -run='^$$' -bench=. -benchmem ./...

# Convenience targets; the README's two commands need none of them.
VERSION  ?= $(shell cat VERSION 2>/dev/null || echo 0.1.0)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH   ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w \
  -X github.com/prometheus/common/version.Version=$(VERSION) \
  -X github.com/prometheus/common/version.Revision=$(REVISION) \
  -X github.com/prometheus/common/version.Branch=$(BRANCH) \
  -X github.com/prometheus/common/version.BuildUser=$(USER)

# The patched toolchain go.mod asks for; fetched from the module proxy.
export GOTOOLCHAIN := go1.26.10

.PHONY: build test ci fuzz bench demo
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o airudder_exporter .
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

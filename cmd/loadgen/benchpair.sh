#!/usr/bin/env bash
# Paired Go benchmarks: the package's test binary built at BASE and at the
# working tree, run alternately ROUNDS times (the same machine, the same
# noise for both).
#
#   BASE=<rev> [ROUNDS=3] cmd/loadgen/benchpair.sh ./server 'BenchmarkScrape/server/vendor-series=4000$' 200x
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.26.10}
: "${BASE:?set BASE to the git revision to compare with}"
PKG=$1; RE=$2; BT=${3:-2000x}; ROUNDS=${ROUNDS:-3}
W=$(mktemp -d /tmp/benchpair.XXXXXX)
trap 'rm -rf "$W"' EXIT
git worktree add -q --detach "$W/base" "$BASE"
(cd "$W/base" && go test -c -o "$W/old.test" "$PKG")
git worktree remove --force "$W/base"
go test -c -o "$W/new.test" "$PKG"
pkgdir=$(go list -f '{{.Dir}}' "$PKG")
for r in $(seq "$ROUNDS"); do
  for who in old new; do
    (cd "$pkgdir" && "$W/$who.test" -test.run='^$' -test.bench="$RE" -test.benchtime="$BT" -test.benchmem) 2>&1 | grep '^Benchmark' | sed "s/^/$who round $r: /"
  done
done

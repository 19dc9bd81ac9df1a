#!/usr/bin/env bash
# Instructions per benchmark op, counted by cachegrind: exact, and free of a
# shared machine's noise, so a change of 1-2 % shows (wall-time benchmarks
# move by tens of percent while anything else runs). The count is the
# difference between two -benchtime counts, so setup cancels out. With BASE,
# the package's test binary is also built at that revision and counted first.
#
#   [BASE=<rev>] cmd/loadgen/instructions.sh ./laaffic 'DecodeLaafficBatch100$' [N1] [N2]
#
# Needs valgrind (apt-get install valgrind). valgrind stops a Go binary with
# SIGILL now and then (rdtscp, which it cannot run); such a count is retried.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.26.10}
PKG=$1; RE=$2; N1=${3:-100}; N2=${4:-400}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
W=$(mktemp -d /tmp/instructions.XXXXXX)
trap 'rm -rf "$W"' EXIT
bins=(new)
if [[ -n ${BASE:-} ]]; then
  git worktree add -q --detach "$W/base" "$BASE"
  (cd "$W/base" && go test -c -o "$W/old.test" "$PKG")
  git worktree remove --force "$W/base"
  bins=(old new)
fi
go test -c -o "$W/new.test" "$PKG"
dir=$(go list -f '{{.Dir}}' "$PKG")
refs() { # binary count: total instructions, or nothing when valgrind failed
  (cd "$dir" && GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$1" -test.run='^$' -test.bench="$RE" -test.benchtime="$2x" 2>&1) |
    awk '/SIGILL|FAIL|panic/ {bad=1} /I +refs/ {gsub(",", "", $4); n=$4} END {if (!bad && n) print n}' || true
}
count() { # binary count: refs, retried until valgrind lets the binary finish
  local n
  for try in $(seq 100); do
    n=$(refs "$1" "$2")
    [[ -n $n ]] && { echo "$n"; return; }
  done
  echo "valgrind failed 100 times on $1" >&2; exit 1
}
for who in "${bins[@]}"; do
  a=$(count "$W/$who.test" "$N1"); b=$(count "$W/$who.test" "$N2")
  echo "$who $RE: $(( (b - a) / (N2 - N1) )) instructions per op"
done

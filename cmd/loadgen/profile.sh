#!/usr/bin/env bash
# A CPU profile of the exporter (the working tree) while loadgen runs one
# scenario against it, from its pprof endpoint; then the top functions.
#
#   cmd/loadgen/profile.sh single|batch [seconds] [out-prefix]
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.26.10}
SC=$1; SEC=${2:-8}; OUT=${3:-/tmp/profile-$SC}
PORT=${PORT:-19301}
W=$(mktemp -d /tmp/pprof.XXXXXX)
go build -o "$W/exporter" .
go build -o "$W/loadgen" ./cmd/loadgen
printf 'airudder:\n  accounts: []\n' >"$W/config.yml"
"$W/exporter" --config.file="$W/config.yml" --web.listen-address="127.0.0.1:$PORT" --storage.path="$W/st" --log.level=warn >"$W/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$W"' EXIT
for i in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/-/healthy" >/dev/null 2>&1 && break; sleep 0.2; done
case $SC in
  single) args=(--payload airudder-single --concurrency 16) ;;
  batch) args=(--payload laaffic-array --batch 100 --concurrency 8) ;;
  *) echo "scenario: single or batch" >&2; exit 2 ;;
esac
"$W/loadgen" --target "http://127.0.0.1:$PORT" "${args[@]}" --duration $((SEC + 4))s >"$OUT.loadgen.txt" 2>&1 &
LG=$!
sleep 2
curl -s -o "$OUT.cpu" "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=$SEC"
wait $LG || true
grep -E '^(throughput|records|sent)' "$OUT.loadgen.txt" || tail -5 "$OUT.loadgen.txt"
go tool pprof -top -nodecount=30 "$W/exporter" "$OUT.cpu" | head -40
echo "profile: $OUT.cpu (go tool pprof -http=: $OUT.cpu)"

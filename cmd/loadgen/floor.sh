#!/usr/bin/env bash
# The machine's latency floor for a scrape: a bare net/http server (a loadgen
# child, no exporter in it) probed every 100 ms by loadgen's scraper, first
# with nothing else running, then while the exporter takes the `scrape` load
# of paired.sh (32 AiRudder connections and its own scraper). If the bare
# server's p99 is as high as the exporter's /metrics p99, the tail is the
# machine's (waking a process on loaded or idle virtual cores), not the
# exporter's.
#
#   [ROUNDS=3] cmd/loadgen/floor.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.26.10}
ROUNDS=${ROUNDS:-3}
W=$(mktemp -d /tmp/floor.XXXXXX)
go build -o "$W/exporter" .
go build -o "$W/loadgen" ./cmd/loadgen
printf 'airudder:\n  accounts: []\n' >"$W/config.yml"
mkfifo "$W/bare.in"
"$W/exporter" --config.file="$W/config.yml" --web.listen-address=127.0.0.1:19211 --storage.path="$W/st" --log.level=warn >"$W/exporter.log" 2>&1 &
EXP=$!
# The bare server serves until its stdin closes: the fifo, held open here.
"$W/loadgen" --serve-baseline 127.0.0.1:19212 <"$W/bare.in" >"$W/bare.log" 2>&1 &
BARE=$!
exec 3>"$W/bare.in"
trap 'exec 3>&-; kill $EXP $BARE 2>/dev/null || true; wait $EXP $BARE 2>/dev/null || true; rm -rf "$W"' EXIT
for i in $(seq 50); do curl -fs http://127.0.0.1:19211/-/healthy >/dev/null 2>&1 && curl -s -o /dev/null http://127.0.0.1:19212/ && break; sleep 0.2; done
# probe: 10 s of GETs every 100 ms at the bare server; prints p50, p99, max.
probe() {
  sleep 10 | "$W/loadgen" --scrape-child http://127.0.0.1:19212/probe | tail -1 |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%d probes, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors" % (r["scrapes"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["errors"]))'
}
for r in $(seq "$ROUNDS"); do
  echo "round $r, nothing else running: bare server $(probe)"
  "$W/loadgen" --target http://127.0.0.1:19211 --payload airudder-single --concurrency 32 --duration 12s --scrape-load >"$W/lg.txt" 2>&1 &
  LG=$!
  sleep 1
  echo "round $r, exporter under the scrape load: bare server $(probe)"
  wait $LG || true
  echo "round $r, exporter under the scrape load: exporter $(grep '^/metrics' "$W/lg.txt")"
done

#!/usr/bin/env bash
# Paired before/after figures: the exporter built at BASE and at the working
# tree, started side by side (receiver-only config, fresh storage), measured
# alternately in one run on one machine, so a change is compared under the
# same load and noise.
#
#   BASE=<rev> [ROUNDS=3] [SCEN="single batch scrape"] [SCRAPES=1000] [NEWENV="K=V ..."] cmd/loadgen/paired.sh [out-file]
#
# NEWENV is the environment of the new build only (GOGC=400, GOMAXPROCS=3 ...):
# a runtime setting is then compared with the default in one run.
#
# Prints, per binary: the diff of the two expositions with values stripped;
# idle scrape CPU (SCRAPES scrapes over one keep-alive connection, plain and
# gzip, the OpenMetrics Accept header Prometheus sends; CPU from utime+stime
# of /proc/<pid>/stat); then per round and scenario the loadgen summary:
#   single  loadgen --payload airudder-single --concurrency 16 --duration 10s --baseline
#   batch   loadgen --payload laaffic-array --batch 100 --concurrency 8 --duration 10s --baseline
#   batch16 the same with 16 connections, as the first wrk figures (wrk -c16)
#   scrape  loadgen --payload airudder-single --concurrency 32 --duration 10s --scrape-load
#   scrape-nice  the same with --load-nice 10: the kernel runs the exporter and the scraper first,
#           so what is left is the exporter's own queueing (loadgen shares the 2 cores)
#   floor, floor-nice  the same two with --scrape-path /-/healthy: an answer that renders nothing
# --baseline also loads a bare net/http server that only reads the body, so
# each ratio is to the bare server of the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.26.10}
: "${BASE:?set BASE to the git revision to compare with}"
ROUNDS=${ROUNDS:-3}; SCEN=${SCEN:-"single batch scrape"}; SCRAPES=${SCRAPES:-1000}
OUT=${1:-/dev/null}
W=$(mktemp -d /tmp/paired.XXXXXX)
git worktree add -q --detach "$W/base" "$BASE"
(cd "$W/base" && go build -o "$W/old" .)
git worktree remove --force "$W/base"
go build -o "$W/new" .
go build -o "$W/loadgen" ./cmd/loadgen
printf 'airudder:\n  accounts: []\n' >"$W/config.yml"
start() { # name port
  mkdir -p "$W/st-$1"
  env $([[ $1 == new ]] && echo "${NEWENV:-}") "$W/$1" --config.file="$W/config.yml" --web.listen-address="127.0.0.1:$2" --storage.path="$W/st-$1" --log.level=warn >"$W/$1.log" 2>&1 &
  echo $!
}
OLD=$(start old 19201); NEW=$(start new 19202)
stop() { # the exporters are not this shell's children: wait for them to save their state and exit
  kill "$OLD" "$NEW" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$OLD" 2>/dev/null || kill -0 "$NEW" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$W"
}
trap stop EXIT
for p in 19201 19202; do for i in $(seq 50); do curl -fs "http://127.0.0.1:$p/-/healthy" >/dev/null 2>&1 && break; sleep 0.2; done; done
port() { [[ $1 == old ]] && echo 19201 || echo 19202; }
pid() { [[ $1 == old ]] && echo "$OLD" || echo "$NEW"; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
say() { echo "$*" | tee -a "$OUT"; }
A='application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4'
say "base $(git rev-parse --short "$BASE"), new $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + uncommitted changes'); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
strip() { curl -s -H "Accept: $A" "http://127.0.0.1:$(port "$1")/metrics" | sed -E 's/ [^ ]+( # .*)?$//' | grep -v '^# EOF'; }
if diff <(strip old) <(strip new) >"$W/expo.diff"; then say "expositions: identical apart from values"; else say "expositions differ:"; tee -a "$OUT" <"$W/expo.diff"; fi
for enc in identity gzip; do
  for who in old new new old old new; do
    c0=$(cpu "$(pid $who)")
    curl -s -H "Accept: $A" -H "Accept-Encoding: $enc" -o /dev/null "http://127.0.0.1:$(port $who)/metrics?[1-$SCRAPES]"
    c1=$(cpu "$(pid $who)")
    say "idle scrape $enc $who: $(( (c1-c0)*10000/SCRAPES )) µs CPU per scrape ($SCRAPES scrapes)"
  done
done
for r in $(seq "$ROUNDS"); do
  for who in old new; do
    for sc in $SCEN; do
      case $sc in
        single) args=(--payload airudder-single --concurrency 16 --duration 10s --baseline) ;;
        batch) args=(--payload laaffic-array --batch 100 --concurrency 8 --duration 10s --baseline) ;;
        batch16) args=(--payload laaffic-array --batch 100 --concurrency 16 --duration 10s --baseline) ;;
        scrape) args=(--payload airudder-single --concurrency 32 --duration 10s --scrape-load) ;;
        scrape-nice) args=(--payload airudder-single --concurrency 32 --duration 10s --scrape-load --load-nice 10) ;;
        floor) args=(--payload airudder-single --concurrency 32 --duration 10s --scrape-load --scrape-path /-/healthy) ;;
        floor-nice) args=(--payload airudder-single --concurrency 32 --duration 10s --scrape-load --scrape-path /-/healthy --load-nice 10) ;;
        *) echo "unknown scenario $sc" >&2; exit 2 ;;
      esac
      c0=$(cpu "$(pid $who)")
      "$W/loadgen" --target "http://127.0.0.1:$(port $who)" "${args[@]}" >"$W/lg.txt" 2>&1 || true
      c1=$(cpu "$(pid $who)")
      say "### round $r $who $sc (loadavg $(cut -d' ' -f1 /proc/loadavg), exporter CPU $(( (c1-c0)*10 )) ms)"
      grep -E '^(== |sent |throughput|ratio|latency|records|baseline|cpu|server CPU|scrape|/metrics)' "$W/lg.txt" | tee -a "$OUT" || true
      # The exporter's CPU per request it answered 200 (the last "sent" line
      # is the exporter's; the bare server's own is loadgen's "server CPU").
      ok=$(grep '^sent ' "$W/lg.txt" | tail -1 | sed -E 's/.*\(([0-9]+) answered 200.*/\1/')
      bare=$(sed -nE 's/^server CPU +([0-9.]+) µs.*/\1/p' "$W/lg.txt" | head -1)
      if [[ $ok =~ ^[0-9]+$ && $ok -gt 0 ]]; then
        per=$(awk -v c=$(( (c1-c0)*10000 )) -v n="$ok" 'BEGIN{printf "%.1f", c/n}')
        say "exporter CPU    $per µs per request answered 200${bare:+ (bare $bare µs: $(awk -v a="$per" -v b="$bare" 'BEGIN{printf "%.2f", a/b}')×)}"
      fi
    done
  done
done

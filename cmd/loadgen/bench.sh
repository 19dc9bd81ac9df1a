#!/usr/bin/env bash
# Reproduces every load figure of BENCHMARKS.md on this machine.
#
#   cmd/loadgen/bench.sh [results-dir]          # all scenarios, 3 runs each
#   SCENARIOS="single rate" cmd/loadgen/bench.sh # a subset
#   SOAK=600 cmd/loadgen/bench.sh               # only the soak, 600 s
#
# It builds the exporter and loadgen, starts the exporter on 127.0.0.1 with a
# config that has no accounts (receiver only) and a fresh storage directory,
# runs each scenario, and stops the exporter it started (by its pid).
#
# Peers: every scenario with --baseline also loads a bare net/http server
# (a loadgen child). When a `telegraf` binary is on PATH (or TELEGRAF names
# one), Telegraf started with cmd/loadgen/telegraf.conf (http_listener_v2 +
# json_v2 -> prometheus_client) is loaded the same way after the exporter
# (loadgen --no-check: Telegraf has no counters to check). For the exporter
# and Telegraf the script also prints server CPU per request (utime+stime of
# the process over the run, from /proc/<pid>/stat) and VmRSS after the run.
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${1:-$(mktemp -d /tmp/loadgen-bench.XXXXXX)}
PORT=${PORT:-19133}
REPEAT=${REPEAT:-3}
SCENARIOS=${SCENARIOS:-"single batch rate scrape scrape-batch"}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/loadgen-work.XXXXXX)

go build -o "$WORK/exporter" .
go build -o "$WORK/loadgen" ./cmd/loadgen
printf 'airudder:\n  accounts: []\n' >"$WORK/config.yml"
if [[ -n "${SOAK:-}" ]]; then
	# A small dedup cap, reached within the first minute, so the soak shows
	# memory levelling off while the set evicts (the bound, not just growth).
	printf 'webhooks:\n  dedup_max_entries: %d\n' "${SOAK_DEDUP_MAX:-100000}" >>"$WORK/config.yml"
fi
mkdir -p "$WORK/storage"

# wait_for_url URL: a started server is ready once URL answers; give it up to
# ~10 s (a scenario against a server still starting would measure the start).
wait_for_url() {
	local i
	for i in $(seq 50); do
		curl -fs "$1" >/dev/null 2>&1 && return
		sleep 0.2
	done
}

"$WORK/exporter" --config.file="$WORK/config.yml" --web.listen-address="127.0.0.1:$PORT" \
	--storage.path="$WORK/storage" --log.level=warn >"$OUT/exporter.log" 2>&1 &
EXPORTER=$!
trap 'kill "$EXPORTER" 2>/dev/null || true; wait "$EXPORTER" 2>/dev/null || true' EXIT
wait_for_url "http://127.0.0.1:$PORT/-/healthy"

{
	echo "date: $(date -u +%FT%TZ)"
	echo "nproc: $(nproc)"
	grep -m1 'model name' /proc/cpuinfo
	go version
	echo "source fingerprint: $(find . -name "*.go" ! -name "*_test.go" -not -path "./.git/*" | LC_ALL=C sort | xargs cat go.sum | sha256sum | cut -c1-16)"
	echo "loadavg before: $(cat /proc/loadavg)"
} | tee "$OUT/machine.txt"

# idle_pct: share of CPU time idle over 3 s, from /proc/stat.
idle_pct() {
	local a b
	a=($(head -1 /proc/stat))
	sleep 3
	b=($(head -1 /proc/stat))
	local idle=$(((b[4] + b[5]) - (a[4] + a[5])))
	local total=0 i
	for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
	echo $((100 * idle / (total > 0 ? total : 1)))
}
# wait_quiet: the machine is shared; wait (up to ~5 min) until it is >= 90 %
# idle before a scenario, so other work does not land in the figures.
wait_quiet() {
	local i p
	for i in $(seq 100); do
		p=$(idle_pct)
		[[ $p -ge ${QUIET_PCT:-90} ]] && { echo "cpu idle ${p}% before run"; return; }
	done
	echo "WARNING: machine never got quiet (last idle ${p}%)"
}

# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# requests_from FILE: deliveries answered 200 by the loaded server (not the
# baseline child) summed over every run loadgen printed in FILE.
requests_from() {
	awk '/^== / { mine = ($2 == "exporter" || $2 == "target") }
		mine && /^sent / && match($0, /\([0-9]+ answered 200/) { n += substr($0, RSTART + 1, RLENGTH - 14) }
		END { print n + 0 }' "$1"
}

# run_against NAME PID TARGET loadgen-flags...: one loadgen invocation against
# TARGET, then the server's CPU per request and RSS.
run_against() {
	local name=$1 pid=$2 target=$3
	shift 3
	wait_quiet | tee "$OUT/$name.txt"
	echo "=== $name: loadgen --target $target $*" | tee -a "$OUT/$name.txt"
	local t0 t1 tick
	t0=$(cpu_ticks "$pid")
	"$WORK/loadgen" --target "$target" "$@" | tee -a "$OUT/$name.txt" || echo "(exit $?)" | tee -a "$OUT/$name.txt"
	t1=$(cpu_ticks "$pid")
	tick=$(getconf CLK_TCK)
	local n
	n=$(requests_from "$OUT/$name.txt")
	awk -v d=$((t1 - t0)) -v hz="$tick" -v n="$n" -v rss="$(rss_kib "$pid")" -v who="$name" 'BEGIN {
		printf "server %s: CPU %.2f s over the run", who, d / hz
		if (n > 0) printf ", %.1f µs per request answered 200 (%d)", 1e6 * d / hz / n, n
		printf ", VmRSS after %.1f MiB\n", rss / 1024 }' | tee -a "$OUT/$name.txt"
}
run() { # name, loadgen flags...: the exporter (and its --baseline peer)
	local name=$1
	shift
	run_against "$name" "$EXPORTER" "http://127.0.0.1:$PORT" "$@"
	if [[ -n "$TELEGRAF_PID" && "$name" != scrape* ]]; then
		local args=() a
		for a in "$@"; do [[ $a == --baseline ]] || args+=("$a"); done
		run_against "$name-telegraf" "$TELEGRAF_PID" "http://127.0.0.1:$TELEGRAF_PORT" --no-check "${args[@]}"
	fi
}

# Telegraf peer, optional.
TELEGRAF=${TELEGRAF:-$(command -v telegraf || true)}
TELEGRAF_PID=
if [[ -n "$TELEGRAF" && -z "${SOAK:-}" ]]; then
	export TELEGRAF_PORT=${TELEGRAF_PORT:-19134} TELEGRAF_PROM_PORT=${TELEGRAF_PROM_PORT:-19135}
	"$TELEGRAF" --config cmd/loadgen/telegraf.conf >"$OUT/telegraf.log" 2>&1 &
	TELEGRAF_PID=$!
	trap 'kill "$EXPORTER" "$TELEGRAF_PID" 2>/dev/null || true; wait "$EXPORTER" "$TELEGRAF_PID" 2>/dev/null || true' EXIT
	wait_for_url "http://127.0.0.1:$TELEGRAF_PROM_PORT/metrics"
	echo "telegraf peer: $("$TELEGRAF" --version 2>/dev/null | head -1), pid $TELEGRAF_PID, port $TELEGRAF_PORT" | tee -a "$OUT/machine.txt"
else
	echo "telegraf peer: none (no telegraf on PATH; set TELEGRAF=/path/to/telegraf to add it)" | tee -a "$OUT/machine.txt"
fi

if [[ -n "${SOAK:-}" ]]; then
	run soak --payload airudder-single --rate 2000 --dup-ratio 0.05 --concurrency 16 \
		--duration "${SOAK}s" --watch-pid "$EXPORTER" --watch-interval 10s
	exit 0
fi

for s in $SCENARIOS; do
	case $s in
	single) # AiRudder single-call webhooks, as fast as possible, vs the bare net/http baseline
		run single --payload airudder-single --concurrency 16 --duration 10s --baseline --repeat "$REPEAT" ;;
	batch) # LAAFFIC {"array":[...]} of 100 records: records/s counted
		run batch --payload laaffic-array --batch 100 --concurrency 8 --duration 10s --baseline --repeat "$REPEAT" ;;
	rate) # fixed 5000 deliveries/s for 30 s: latency, no error
		run rate --payload airudder-single --rate 5000 --concurrency 32 --dup-ratio 0.02 --duration 30s --baseline --repeat "$REPEAT" ;;
	scrape) # /metrics every 100 ms while the receiver runs flat out
		run scrape --payload airudder-single --concurrency 16 --duration 10s --scrape-load --repeat "$REPEAT" ;;
	scrape-batch)
		run scrape-batch --payload laaffic-array --batch 100 --concurrency 8 --duration 10s --scrape-load --repeat "$REPEAT" ;;
	*) echo "unknown scenario $s" >&2 ;;
	esac
done
echo "results in $OUT"

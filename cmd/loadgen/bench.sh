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

"$WORK/exporter" --config.file="$WORK/config.yml" --web.listen-address="127.0.0.1:$PORT" \
	--storage.path="$WORK/storage" --log.level=warn >"$OUT/exporter.log" 2>&1 &
EXPORTER=$!
trap 'kill "$EXPORTER" 2>/dev/null || true; wait "$EXPORTER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	curl -fs "http://127.0.0.1:$PORT/-/healthy" >/dev/null 2>&1 && break
	sleep 0.2
done

{
	echo "date: $(date -u +%FT%TZ)"
	echo "nproc: $(nproc)"
	grep -m1 'model name' /proc/cpuinfo
	go version
	echo "source fingerprint: $(cat go.sum ./*.go config/*.go receiver/*.go receiver/*/*.go collector/*.go 2>/dev/null | sha256sum | cut -c1-16)"
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

LG=("$WORK/loadgen" --target "http://127.0.0.1:$PORT")
run() { # name, loadgen flags...
	local name=$1
	shift
	wait_quiet | tee "$OUT/$name.txt"
	echo "=== $name: loadgen $*" | tee -a "$OUT/$name.txt"
	"${LG[@]}" "$@" | tee -a "$OUT/$name.txt" || echo "(exit $?)" | tee -a "$OUT/$name.txt"
}

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

#!/usr/bin/env bash
# Load figures of the shared dedup store (webhooks.redis) for BENCHMARKS.md
# and the README's "Scaling and high availability":
#
#   cmd/loadgen/bench-redis.sh [results-dir]            # MODE=max (throughput)
#   MODE=rate cmd/loadgen/bench-redis.sh [results-dir]  # fixed rate (added latency)
#
# It builds the exporter and loadgen, starts a redis-server (loopback, free
# port, temp dir, --save '' ) and runs, each REPEAT times:
#   local   one exporter, no Redis (dedup in the process)
#   redis   one exporter with webhooks.redis
#   two     two exporters sharing that Redis, one loadgen per exporter at
#           the same time (half the concurrency each); figures are summed
# for two payloads: laaffic-array (100 records per body) and
# airudder-single. Everything it started is stopped by pid at the end.
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${1:-$(mktemp -d /tmp/redis-bench.XXXXXX)}
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-10s}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/redis-bench-work.XXXXXX)
command -v redis-server >/dev/null || { echo "redis-server not installed" >&2; exit 2; }

go build -o "$WORK/exporter" .
go build -o "$WORK/loadgen" ./cmd/loadgen

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

RPORT=$(free_port)
mkdir -p "$WORK/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --dir "$WORK/redis" --logfile "$WORK/redis/log" --protected-mode no &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

start_exporter() { # name config -> sets PORT_<name>
	local name=$1 cfg=$2 port
	port=$(free_port)
	printf '%s' "$cfg" >"$WORK/$name.yml"
	mkdir -p "$WORK/$name-storage"
	"$WORK/exporter" --config.file="$WORK/$name.yml" --web.listen-address="127.0.0.1:$port" \
		--storage.path="$WORK/$name-storage" --log.level=warn >"$OUT/$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
	printf -v "PORT_$name" '%s' "$port"
}

REDIS_CFG=$(printf 'airudder:\n  accounts: []\nwebhooks:\n  redis:\n    address: 127.0.0.1:%s\n' "$RPORT")
start_exporter local $'airudder:\n  accounts: []\n'
start_exporter r1 "$REDIS_CFG"
start_exporter r2 "$REDIS_CFG"

{
	echo "date: $(date -u +%FT%TZ)"
	echo "nproc: $(nproc)"
	go version
	redis-server --version
	echo "loadavg before: $(cat /proc/loadavg)"
} | tee "$OUT/machine.txt"

# MODE=max: as fast as the exporters answer (throughput). MODE=rate: a
# fixed rate well below saturation (the latency Redis adds at a realistic
# load): 50 bodies/s of 100 records, or 1000 single calls/s; "two" splits
# the rate over both replicas.
MODE=${MODE:-max}
LG="$WORK/loadgen --duration $DURATION --json"
for payload in laaffic-array airudder-single; do
	conc=8 rate=50
	[[ $payload == airudder-single ]] && conc=16 rate=1000
	full="" half=""
	[[ $MODE == rate ]] && full="--rate $rate" half="--rate $((rate / 2))"
	for run in $(seq "$REPEAT"); do
		$LG --target "http://127.0.0.1:$PORT_local" --payload "$payload" --batch 100 --concurrency $conc $full >"$OUT/$payload-local-$run.json"
		$LG --target "http://127.0.0.1:$PORT_r1" --payload "$payload" --batch 100 --concurrency $conc $full >"$OUT/$payload-redis-$run.json"
		$LG --target "http://127.0.0.1:$PORT_r1" --payload "$payload" --batch 100 --concurrency $((conc / 2)) $half >"$OUT/$payload-two-a-$run.json" &
		A=$!
		$LG --target "http://127.0.0.1:$PORT_r2" --payload "$payload" --batch 100 --concurrency $((conc / 2)) $half >"$OUT/$payload-two-b-$run.json"
		wait $A
		echo "$payload run $run done: loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
	done
done
redis-cli -p "$RPORT" info memory | grep -E '^used_memory:' >"$OUT/redis-memory.txt"
redis-cli -p "$RPORT" dbsize >>"$OUT/redis-memory.txt"
echo "results in $OUT"

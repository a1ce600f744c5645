#!/usr/bin/env bash
# The project's benchmark harness (not run by CI): runs the benchmarks whose
# figures docs/benchmarks.md quotes and prints them as one table, with the
# machine they ran on.
#
#   .ci/bench.sh            everything (about 5 minutes)
#   .ci/bench.sh engine     only the in-process benchmarks (no broker)
#
# It starts the real Kafka broker (.ci/kafka.sh) when none answers on
# KAFKA_PORT (default 9092) and stops it again at the end if it started it.
# Each benchmark runs in its own `go test` process, so that one's GC
# settings or replaced functions do not leak into the next. Raw output:
# $BENCH_OUT (default .ci/cache/bench), one log per benchmark.
#
# Environment: KAFKA_PORT; BENCH_OUT; BENCH_COUNT (runs of the in-process
# benchmarks, default 3: the table shows each run); CHATSQL_BENCH_RATE and
# CHATSQL_BENCH_DURATION change the slow-LLM load (default 5000/s for 20s).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
port="${KAFKA_PORT:-9092}"
out="${BENCH_OUT:-$here/cache/bench}"
count="${BENCH_COUNT:-3}"
only="${1:-all}"
mkdir -p "$out"
rm -f "$out"/*.log

log() { echo "bench.sh: $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started_broker=false
cleanup() {
	if $started_broker; then
		log "stopping the broker this script started"
		bash "$here/kafka.sh" stop
	fi
}
trap cleanup EXIT

failed=0
# bench NAME PACKAGE PATTERN [go test flags...]: one go test run, logged.
bench() {
	local name="$1" pkg="$2" pattern="$3"
	shift 3
	log "running $pattern in $pkg"
	if ! (cd "$root" && go test -run '^$' -bench "$pattern" "$@" "$pkg") >"$out/$name.log" 2>&1; then
		log "$pattern FAILED; the tail of $out/$name.log:"
		tail -n 20 "$out/$name.log" >&2
		failed=1
	fi
}

bench engine ./runtime/session/ '^BenchmarkEnginePipeline$' -cpu 1 -count "$count" -benchtime 3x
bench memory ./runtime/session/ '^BenchmarkMemory$' -benchtime 1x
bench format ./connectors/format/ '^BenchmarkJSON(Decode|Encode)$' -cpu 1 -count "$count" -benchmem
bench exec ./runtime/exec/ '^Benchmark(ChannelPath|AsyncPath)$' -count "$count"
bench translate ./udf/ '^BenchmarkTranslate$' -count "$count"
bench translate-mix ./udf/ '^BenchmarkTranslateChatMix$' -benchtime 1x -timeout 10m
bench skip ./udf/ '^BenchmarkSkipTranslation$' -benchmem
bench apertium ./udf/ '^BenchmarkApertiumTranslate$'
# MATCH_RECOGNIZE (issue 4): a million events per run, so one run per count
bench cep-spam ./runtime/session/ '^BenchmarkCEPSpam$' -cpu 1 -count "$count" -benchtime 1x
bench cep-operator ./runtime/exec/ '^BenchmarkCEPSpamOperator$' -cpu 1 -count "$count" -benchtime 1x
bench cep-state ./runtime/exec/ '^BenchmarkCEPState$' -benchtime 1x
bench nexmark-cep ./runtime/exec/ '^BenchmarkNexmarkCEP$' -cpu 1 -count "$count" -benchtime 1x

if [[ "$only" != engine ]]; then
	if ! port_open "$port"; then
		log "no broker on localhost:$port; starting one"
		if bash "$here/kafka.sh" start; then
			started_broker=true
		else
			log "the broker did not start: the Kafka benchmarks run on kfake only"
		fi
	fi
	if port_open "$port"; then
		export CHATSQL_KAFKA_BROKERS="localhost:$port"
	fi
	bench kafka ./runtime/session/ '^BenchmarkKafkaPipeline$' -benchtime 1x -timeout 20m
	bench kafka-slow-llm ./runtime/session/ '^BenchmarkKafkaPipelineSlowLLM$' -benchtime 1x -timeout 20m
fi

# The table: one row per benchmark line, its figures as "value unit" pairs
# (ns/op left out where a benchmark zeroes it to report its own rate).
{
	echo
	echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(go version | cut -d' ' -f3-)"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(cd "$root" && git rev-parse --short HEAD)"
	echo
	printf '%-52s  %s\n' "benchmark" "figures"
	printf '%-52s  %s\n' "---------" "-------"
	for f in "$out"/*.log; do
		awk '
			/^Benchmark/ && NF >= 4 {
				row = ""
				for (i = 3; i < NF; i += 2) {
					if ($(i+1) == "ns/op" && $i == 0) continue
					v = $i
					if (v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 >= 1000) v = sprintf("%.0f", v)
					row = row (row == "" ? "" : ", ") v " " $(i+1)
				}
				printf "%-52s  %s\n", $1, row
			}' "$f"
	done
	echo
} | tee "$out/table.txt"

if ((failed)); then
	log "some benchmarks failed; see $out"
	exit 1
fi

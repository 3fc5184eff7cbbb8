#!/usr/bin/env bash
# bench/sim-occupancy.sh: a billion keys through `mapscope sim occupancy` (classic layout, 2^27
# buckets, int64 keys, Go's AES hash) against the real runtime building a ten-million-entry
# map[int64]int64 (one run each, Go 1.23 classic and Go 1.26 Swiss). Prints keys per second, the
# ratios, and the simulator's memory per bucket (its counters: 1 byte each; and its peak RSS).
# Never part of the tests. Needs build/mapscope (make) and the Go toolchains.
#
# Usage: bench/sim-occupancy.sh [KEYS] [GO_KEYS]     (defaults 1000000000 and 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KEYS=${1:-1000000000}
GO_KEYS=${2:-10000000}
BUCKETS=$((1 << 27))
[ -x build/mapscope ] || { echo "sim-occupancy: build/mapscope missing: run make" >&2; exit 1; }

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOTELEMETRY=off
export GOCACHE="$ROOT/build/go-cache" GOPATH="$ROOT/build/gopath"

load=$(python3 -c "print(repr($KEYS / $BUCKETS))")
rates=()
for threads in 1 2; do
	out=$( { /usr/bin/time -f "TIME %e %M" build/mapscope sim occupancy --layout classic \
		--buckets $BUCKETS --load "$load" --threads $threads --json; } 2>&1 )
	read -r secs rss_kb < <(sed -n 's/^TIME //p' <<<"$out")
	sim_keys=$(sed -n 's/.*"keys":\([0-9]*\).*/\1/p' <<<"$out")
	rates+=("$(python3 -c "print(round($sim_keys / $secs))")")
	printf 'sim occupancy, %d thread%s: %d keys into %d buckets in %.2f s: %.1f M keys/s\n' \
		$threads "$([ $threads = 1 ] || echo s)" "$sim_keys" $BUCKETS "$secs" \
		"$(python3 -c "print(${rates[-1]} / 1e6)")"
	printf '  memory: counters 1.00 byte/bucket; peak RSS %d KiB = %.3f bytes/bucket (with the binary)\n' \
		"$rss_kb" "$(python3 -c "print($rss_kb * 1024 / $BUCKETS)")"
done

for v in 1.23 1.26; do
	bin=build/bench/go$v/simoccupancy
	mkdir -p "$(dirname "$bin")"
	(cd bench/sim-occupancy && /usr/lib/go-$v/bin/go build -o "$ROOT/$bin" .)
	read -r _ go_rate _ go_secs < <("$bin" "$GO_KEYS")
	printf 'go%s runtime: %d keys into a map in %.2f s: %.1f M keys/s; simulator/runtime = %.1fx (1 thread), %.1fx (2 threads)\n' \
		"$v" "$GO_KEYS" "$go_secs" "$(python3 -c "print($go_rate / 1e6)")" \
		"$(python3 -c "print(${rates[0]} / $go_rate)")" "$(python3 -c "print(${rates[1]} / $go_rate)")"
done

#!/bin/sh
# trace-vs-traceroute.sh: netdx trace against traceroute -n -q 3 and
# mtr -r -c 1 (UDP probes) on the same lab path: 4 hops, one 80 ms link,
# Linux's default ICMP rate limit on the target. Three scenarios: the
# target's limiter full, right after another trace (traceroute) drained
# it, one silent hop.
# The lab (namespaces and a user-space slow wire, internal/netlab) is built
# and removed by the Go test it runs; prints each tool's time and the
# ratios.
#
# Usage (as root, from the repository): bench/trace-vs-traceroute.sh [ROUNDS]
# ROUNDS (default 3) runs of each tool per scenario; the median counts.
set -eu
ROUNDS=${1:-3}
[ "$(id -u)" -eq 0 ] || { echo "trace-vs-traceroute: run as root (it creates network namespaces)" >&2; exit 3; }
for tool in ip nft traceroute mtr go; do
	command -v $tool >/dev/null || { echo "trace-vs-traceroute: needs $tool" >&2; exit 3; }
done
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
go build -o "$WORK/netdx" ./cmd/netdx
NETDX_BENCH_NETDX="$WORK/netdx" NETDX_BENCH_ROUNDS="$ROUNDS" NETDX_LAB_REQUIRED=1 \
	go test -count=1 -timeout 20m -run '^TestBenchTraceVsTraceroute$' ./bench/tracelab/ -v 2>&1 |
	grep -v '^=== RUN\|^--- PASS\|^PASS$\|^ok '

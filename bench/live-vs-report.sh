#!/bin/sh
# live-vs-report.sh: the CPU netdx trace --live costs over netdx trace
# --report on the same lab path: 10 hops, ICMP probes, one round a second,
# the same number of rounds (-c), run one after the other. --live runs in a
# pseudo-terminal (120x40) whose output is drained; CPU is user + system
# time from wait4's rusage. The lab (namespaces, internal/netlab) is built
# and removed by the Go test it runs; prints both and the difference as a
# share of one core (issue 12 asks for at most 5 %).
#
# Usage (as root, from the repository): bench/live-vs-report.sh [ROUNDS [RUNS]]
# ROUNDS (default 60) rounds, so about as many seconds, per run; RUNS
# (default 1) runs of each, alternating which goes first; the median counts.
set -eu
ROUNDS=${1:-60}
RUNS=${2:-1}
[ "$(id -u)" -eq 0 ] || { echo "live-vs-report: run as root (it creates network namespaces)" >&2; exit 3; }
for tool in ip nft ping go; do
	command -v $tool >/dev/null || { echo "live-vs-report: needs $tool" >&2; exit 3; }
done
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
CGO_ENABLED=0 go build -o "$WORK/netdx" ./cmd/netdx
NETDX_BENCH_NETDX="$WORK/netdx" NETDX_BENCH_ROUNDS="$ROUNDS" NETDX_BENCH_RUNS="$RUNS" NETDX_LAB_REQUIRED=1 \
	go test -count=1 -timeout 60m -run '^TestBenchLiveVsReport$' ./bench/livelab/ -v 2>&1 |
	grep -v '^=== RUN\|^--- PASS\|^PASS$\|^ok '

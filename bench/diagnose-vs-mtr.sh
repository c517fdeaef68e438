#!/bin/sh
# diagnose-vs-mtr.sh: one target's path verdict, netdx diagnose (3 s of trace
# rounds and an echo stream) against mtr -r -c 10 (10 s) and mtr at netdx's
# sample size (100 rounds, -i 0.03), on a lab path with an 80 ms link and 10 %
# loss each way from hop 3 on. Prints each run's time and what the tool says,
# the medians and the ratios. The lab is built and removed by the Go test.
#
# Usage (as root, from the repository): bench/diagnose-vs-mtr.sh [ROUNDS]
set -eu
ROUNDS=${1:-3}
[ "$(id -u)" -eq 0 ] || { echo "diagnose-vs-mtr: run as root (it creates network namespaces)" >&2; exit 3; }
for tool in ip nft mtr go; do
	command -v $tool >/dev/null || { echo "diagnose-vs-mtr: needs $tool" >&2; exit 3; }
done
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
CGO_ENABLED=0 go build -o "$WORK/netdx" ./cmd/netdx
NETDX_BENCH_NETDX="$WORK/netdx" NETDX_BENCH_DIAGNOSE=1 NETDX_BENCH_ROUNDS="$ROUNDS" NETDX_LAB_REQUIRED=1 \
	go test -count=1 -timeout 20m -run '^TestBenchDiagnoseVsMTR$' ./bench/tracelab/ -v 2>&1 |
	grep -v '^=== RUN\|^--- PASS\|^PASS$\|^ok '

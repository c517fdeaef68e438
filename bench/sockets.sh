#!/bin/bash
# Benchmark: "netdx sockets --all --proto tcp -p" against "ss -tanp" on a
# namespace holding 18 000 TCP sockets (9 000 connections to itself, all
# owned by one process), side by side in one run. Needs root and Go; builds
# its own lab namespace and removes it (and the load process) on exit.
#   usage: bench/sockets.sh [RUNS] [CONNECTIONS]   (default 20 runs, 9000)
# Prints the median wall time of each and the ratio netdx / ss (goal <= 1.1).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
CONNS=${2:-9000}
NS=netdx-bench-sockets-$$  # not "ndx-": netlab sweeps those
TMP=$(mktemp -d)
LOAD_PID=
cleanup() {
	set +e
	if [ -n "$LOAD_PID" ]; then
		kill "$LOAD_PID" 2>/dev/null
		wait "$LOAD_PID" 2>/dev/null
	fi
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$TMP" "/etc/netns/$NS"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench/sockets.sh: run as root (it creates a network namespace)" >&2; exit 3; }

go build -o "$TMP/netdx" ./cmd/netdx
go build -o "$TMP/load" ./bench/sockets_load
ip netns add "$NS"
mkdir -p "/etc/netns/$NS" && echo "nameserver 127.0.0.1" > "/etc/netns/$NS/resolv.conf"
ip -n "$NS" link set lo up
ip netns exec "$NS" sh -c 'echo "1024 65000" > /proc/sys/net/ipv4/ip_local_port_range'
ip netns exec "$NS" "$TMP/load" -n "$CONNS" > "$TMP/load.out" 2>&1 &
LOAD_PID=$!
for _ in $(seq 600); do grep -q ready "$TMP/load.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/load.out" || { echo "bench/sockets.sh: load generator did not get ready" >&2; exit 1; }

. bench/lib.sh
# Same sockets, same owners: count the lines that name the load process.
n_ss=$(ip netns exec "$NS" ss -tanp 2>/dev/null | grep -c 'pid=' || true)
n_netdx=$(ip netns exec "$NS" "$TMP/netdx" sockets --all --proto tcp -p | grep -c 'load\[' || true)
echo "namespace $NS: TCP sockets with an owner: ss $n_ss, netdx $n_netdx"

for _ in 1 2; do # warm up, alternate the two tools
	timeit "$TMP/t.ss" ss -tanp
	timeit "$TMP/t.netdx" "$TMP/netdx" sockets --all --proto tcp -p
	timeit "$TMP/t.netdxj" "$TMP/netdx" sockets --all --proto tcp -p --json
done
ss_us=$(median < "$TMP/t.ss")
nd_us=$(median < "$TMP/t.netdx")
nj_us=$(median < "$TMP/t.netdxj")
printf 'ss -tanp                               median %8.2f ms (%d runs)\n' "$(echo "$ss_us/1000" | bc -l)" "$RUNS"
printf 'netdx sockets --all --proto tcp -p     median %8.2f ms\n' "$(echo "$nd_us/1000" | bc -l)"
printf 'netdx sockets ... --json               median %8.2f ms\n' "$(echo "$nj_us/1000" | bc -l)"
printf 'ratio netdx / ss        %.2f (goal <= 1.10)\n' "$(echo "$nd_us/$ss_us" | bc -l)"
printf 'ratio netdx --json / ss %.2f\n' "$(echo "$nj_us/$ss_us" | bc -l)"

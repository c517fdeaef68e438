#!/bin/bash
# Benchmark: "netdx link --json" against "ip -s -j link" on a namespace with
# 1000 interfaces (500 veth pairs), side by side in one run. Needs root; builds
# its own lab namespace and removes it on exit.
#   usage: bench/link.sh [RUNS]      (default 30 runs of each tool)
# Prints the median wall time of each and the ratio netdx / ip (goal: <= 3).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
PAIRS=500
NS=netdx-bench-link-$$  # not "ndx-": netlab sweeps those
TMP=$(mktemp -d)
cleanup() {
	set +e
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$TMP" "/etc/netns/$NS"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench/link.sh: run as root (it creates a network namespace)" >&2; exit 3; }

go build -o "$TMP/netdx" ./cmd/netdx
ip netns add "$NS"
mkdir -p "/etc/netns/$NS" && echo "nameserver 127.0.0.1" > "/etc/netns/$NS/resolv.conf"
for i in $(seq 0 $((PAIRS - 1))); do
	echo "link add bv$i type veth peer name bw$i"
	echo "link set bv$i up"
	echo "link set bw$i up"
done > "$TMP/batch"
ip -n "$NS" -batch "$TMP/batch"
ip -n "$NS" link set lo up
count=$(ip -n "$NS" -o link | wc -l)
echo "namespace $NS: $count interfaces"

. bench/lib.sh
# Check that both see the same interfaces before timing them.
n_ip=$(ip netns exec "$NS" ip -s -j link | grep -o '"ifname"' | wc -l)
n_netdx=$(ip netns exec "$NS" "$TMP/netdx" link --json | grep -o '"carrier_changes"' | wc -l)
echo "interfaces seen: ip $n_ip, netdx $n_netdx"

for _ in 1 2; do # warm up caches, alternate the two tools
	timeit "$TMP/t.ip" ip -s -j link
	timeit "$TMP/t.netdx" "$TMP/netdx" link --json
done
ip_us=$(median < "$TMP/t.ip")
nd_us=$(median < "$TMP/t.netdx")
printf 'ip -s -j link          median %8.2f ms (%d runs)\n' "$(echo "$ip_us/1000" | bc -l)" "$RUNS"
printf 'netdx link --json      median %8.2f ms (%d runs)\n' "$(echo "$nd_us/1000" | bc -l)" "$RUNS"
printf 'ratio netdx / ip       %.2f (goal <= 3.00)\n' "$(echo "$nd_us/$ip_us" | bc -l)"

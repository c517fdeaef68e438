#!/bin/sh
# ping-vs-fping.sh: netdx ping against fping -i 1 on many targets, one probe
# each, in a lab of two network namespaces it builds and removes; and the
# RTT netdx measures against iputils ping on the same path.
#
# Usage (as root, from the repository): bench/ping-vs-fping.sh [TARGETS] [ROUNDS]
# TARGETS defaults to 500 (addresses 198.18.100.1 onwards), ROUNDS to 5.
set -eu

N=${1:-500}
ROUNDS=${2:-5}
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] || { echo "ping-vs-fping: TARGETS must be 1..1000" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "ping-vs-fping: run as root (it creates network namespaces)" >&2; exit 3; }
for tool in ip fping ping go awk; do
	command -v $tool >/dev/null || { echo "ping-vs-fping: needs $tool" >&2; exit 3; }
done

TAG="ndxb-$$"
SRC="$TAG-src" DST="$TAG-dst"
WORK=$(mktemp -d)
cleanup() {
	ip netns delete "$SRC" 2>/dev/null || true
	ip netns delete "$DST" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cd "$(dirname "$0")/.."
go build -o "$WORK/netdx" ./cmd/netdx

ip netns add "$SRC"
ip netns add "$DST"
ip -n "$SRC" link set lo up
ip -n "$DST" link set lo up
ip -n "$SRC" link add eth0 type veth peer name eth0 netns "$DST"
ip -n "$SRC" addr add 198.18.1.1/24 dev eth0
ip -n "$DST" addr add 198.18.1.2/24 dev eth0
ip -n "$SRC" link set eth0 up
ip -n "$DST" link set eth0 up
ip -n "$SRC" route add 198.18.100.0/22 via 198.18.1.2
# The target answers every probe: no ICMP rate limit, a big enough backlog.
ip netns exec "$DST" sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit; echo 0 > /proc/sys/net/ipv4/icmp_msgs_per_sec'

: > "$WORK/targets"
: > "$WORK/batch"
i=0
while [ $i -lt "$N" ]; do
	a="198.18.$((100 + i / 250)).$((i % 250 + 1))"
	echo "$a" >> "$WORK/targets"
	echo "address add $a/32 dev lo" >> "$WORK/batch"
	i=$((i + 1))
done
ip -n "$DST" -batch "$WORK/batch"
TARGETS=$(cat "$WORK/targets")

# now_ms prints a monotonic-enough wall clock in milliseconds.
now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }

# Warm the neighbour cache so neither tool pays for ARP.
ip netns exec "$SRC" ping -n -c 1 -W 1 198.18.1.2 >/dev/null

run() { # run NAME CMD... : prints the wall time in ms and the replies counted
	start=$(now_ms)
	ip netns exec "$SRC" "$@" > "$WORK/out" 2>&1 || true
	end=$(now_ms)
	echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }'
}

fping_total=0 netdx_total=0
echo "targets: $N, one probe each, $ROUNDS rounds"
r=1
while [ $r -le "$ROUNDS" ]; do
	# shellcheck disable=SC2086
	f=$(run fping -c 1 -i 1 -q $TARGETS)
	frcv=$(grep -c 'xmt/rcv/%loss = 1/1/' "$WORK/out" || true)
	# netdx with its defaults: one raw socket, --rate 1000 requests a second.
	# shellcheck disable=SC2086
	n=$(run "$WORK/netdx" ping -c 1 -q $TARGETS)
	nrcv=$(grep -c 'xmt/rcv/%loss = 1/1/' "$WORK/out" || true)
	echo "round $r: fping -i 1: $f ms ($frcv/$N answered)   netdx: $n ms ($nrcv/$N answered)"
	fping_total=$(echo "$fping_total $f" | awk '{ print $1 + $2 }')
	netdx_total=$(echo "$netdx_total $n" | awk '{ print $1 + $2 }')
	r=$((r + 1))
done
echo "$fping_total $netdx_total $ROUNDS" | awk '{ printf "mean wall time: fping -i 1 %.1f ms, netdx %.1f ms, netdx/fping = %.2f\n", $1 / $3, $2 / $3, $2 / $1 }'

# RTT agreement with iputils on the same path, one after the other.
T=198.18.100.1
ip netns exec "$SRC" ping -n -q -c 200 -i 0.01 "$T" > "$WORK/iputils"
ip netns exec "$SRC" "$WORK/netdx" ping -q -c 200 -i 0.01 "$T" > "$WORK/netdx.txt"
ia=$(awk -F'[/ ]+' '/^rtt min/ { print $8 }' "$WORK/iputils")
na=$(awk -F'[/ ]+' '/^rtt min/ { print $8 }' "$WORK/netdx.txt")
echo "$ia $na" | awk '{ printf "RTT avg over 200 probes to %s: iputils %.3f ms, netdx %.3f ms, difference %.3f ms\n", "'"$T"'", $1, $2, $2 - $1 }'

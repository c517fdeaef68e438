#!/bin/sh
# watch-vs-smokeping.sh: netdx watch against prometheus-smokeping-prober on
# the same targets (254 by default: 198.18.100.1-254 on a second network
# namespace), one echo request a second to each, for the same time, one
# after the other, in a lab of two namespaces it builds and removes. netdx
# watch does more: traces each path once a minute, checks this host every
# second (interfaces, sniffers, retransmits, listeners, gateways), keeps a
# journal. Prints each one's CPU seconds, peak RSS and /metrics scrape time
# (median of the scrapes made every second during the run; they count in
# the CPU and memory too), and the ratios.
#
# Usage (as root, from the repository): bench/watch-vs-smokeping.sh [TARGETS] [SECONDS]
# TARGETS defaults to 254, SECONDS to 60.
set -eu

N=${1:-254}
SECS=${2:-60}
[ "$N" -ge 1 ] && [ "$N" -le 254 ] || { echo "watch-vs-smokeping: TARGETS must be 1..254" >&2; exit 3; }
[ "$SECS" -ge 10 ] || { echo "watch-vs-smokeping: SECONDS must be at least 10" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "watch-vs-smokeping: run as root (it creates network namespaces)" >&2; exit 3; }
for tool in ip go awk curl prometheus-smokeping-prober; do
	command -v $tool >/dev/null || { echo "watch-vs-smokeping: needs $tool" >&2; exit 3; }
done

TAG="ndxw-$$"
SRC="$TAG-src" DST="$TAG-dst"
WORK=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	ip netns delete "$SRC" 2>/dev/null || true
	ip netns delete "$DST" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -o "$WORK/netdx" ./cmd/netdx

ip netns add "$SRC"
ip netns add "$DST"
ip -n "$SRC" link set lo up
ip -n "$DST" link set lo up
ip -n "$SRC" link add eth0 type veth peer name eth0 netns "$DST"
ip -n "$SRC" addr add 198.18.1.1/24 dev eth0
ip -n "$DST" addr add 198.18.1.2/24 dev eth0
ip -n "$SRC" link set eth0 up
ip -n "$DST" link set eth0 up
ip -n "$SRC" route add 198.18.100.0/24 via 198.18.1.2
ip netns exec "$DST" sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit; echo 0 > /proc/sys/net/ipv4/icmp_msgs_per_sec'
: > "$WORK/batch"
TARGETS=""
i=1
while [ $i -le "$N" ]; do
	echo "address add 198.18.100.$i/32 dev lo" >> "$WORK/batch"
	TARGETS="$TARGETS 198.18.100.$i"
	i=$((i + 1))
done
ip -n "$DST" -batch "$WORK/batch"
ip netns exec "$SRC" ping -n -c 1 -W 1 198.18.1.2 >/dev/null

# measure NAME PORT CMD...: runs CMD in SRC for SECS seconds, scraping
# /metrics on PORT every second; prints "cpu_s rss_kb scrape_ms samples".
measure() {
	name=$1 port=$2; shift 2
	ip netns exec "$SRC" "$@" > "$WORK/$name.log" 2>&1 &
	PID=$!
	# The process inside: ip netns exec execs the command itself.
	sleep 1
	: > "$WORK/$name.scrapes"
	t=0
	while [ $t -lt "$SECS" ]; do
		sleep 1
		t=$((t + 1))
		ip netns exec "$SRC" curl -s -o "$WORK/$name.metrics" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >> "$WORK/$name.scrapes" || true
	done
	ticks=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
	rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status")
	# Private memory at the end (the rest of the RSS is the binary's pages).
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$PID/status")
	kill -TERM "$PID"
	{ wait "$PID"; } 2>/dev/null || true
	PID=""
	hz=$(getconf CLK_TCK)
	scrape=$(sort -n "$WORK/$name.scrapes" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }')
	samples=$(grep -c '^[a-z]' "$WORK/$name.metrics" || true)
	echo "$ticks $hz $rss $scrape $samples $anon" | awk '{ printf "%.2f %d %s %d %d\n", $1 / $2, $3, $4, $5, $6 }'
}

echo "targets: $N, one echo request a second each, $SECS s each, one after the other"
# shellcheck disable=SC2086
set -- $(measure smokeping 9374 prometheus-smokeping-prober --privileged --web.listen-address=127.0.0.1:9374 -i 1s $TARGETS)
s_cpu=$1 s_rss=$2 s_scrape=$3 s_samples=$4 s_anon=$5
echo "smokeping_prober: CPU ${s_cpu} s, peak RSS $((s_rss / 1024)) MB (private at the end $((s_anon / 1024)) MB), /metrics ${s_scrape} ms ($s_samples samples)"
# shellcheck disable=SC2086
set -- $(measure netdx 9810 "$WORK/netdx" watch --interval 1s --listen 127.0.0.1:9810 --journal "$WORK/watch.jsonl" $TARGETS)
n_cpu=$1 n_rss=$2 n_scrape=$3 n_samples=$4 n_anon=$5
echo "netdx watch:      CPU ${n_cpu} s, peak RSS $((n_rss / 1024)) MB (private at the end $((n_anon / 1024)) MB), /metrics ${n_scrape} ms ($n_samples samples; traces, host checks and a journal of $(wc -l < "$WORK/watch.jsonl") records besides)"
echo "$n_cpu $s_cpu $n_rss $s_rss $n_scrape $s_scrape $n_anon $s_anon" | awk '{ printf "netdx/smokeping_prober: CPU %.3f, peak RSS %.2f (private %.2f), scrape time %.2f\n", $1 / $2, $3 / $4, $7 / $8, $5 / $6 }'
replies=$(grep -c '^netdx_echo_replies_total' "$WORK/netdx.metrics" || true)
echo "netdx targets with replies counted: $replies of $N"

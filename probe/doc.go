// Package probe owns netdx's ICMP sockets and the ping engine.
//
// Conn is an ICMP or ICMPv6 socket, raw (needs CAP_NET_RAW or root) or an
// unprivileged datagram socket (allowed when the user's group is in
// net.ipv4.ping_group_range; the kernel then rewrites the echo id and
// delivers ICMP errors on the socket's error queue, which ReadPacket
// returns too). Every packet read carries its kernel receive timestamp
// (SO_TIMESTAMPNS) when the kernel gives one. Without either privilege,
// Listen fails with an error matching ErrPermission that names both fixes.
//
// The socket is built on golang.org/x/net: the descriptor becomes a
// net.PacketConn driven by ipv4.PacketConn or ipv6.PacketConn (TTL, TOS,
// ICMP type filter, TTL control messages, batched reads with recvmmsg),
// echo requests are icmp.Message values, and replies and errors are read by
// package icmpmsg. A raw socket also carries a BPF filter (x/net/bpf) that
// drops echo replies of other ids in the kernel: on a host that pings a
// lot (netdx watch's echo streams next to its traces) a socket wakes only
// for its own replies and for errors. Reads are sized by the payload (2
// KiB at least, the bound of any ICMP error); a larger packet is refused
// as truncated, never parsed in part. Only what x/net lacks uses
// golang.org/x/sys/unix directly (sys_linux.go): opening the socket,
// SO_TIMESTAMPNS, the error queue (IP_RECVERR), path MTU discovery,
// SO_BINDTODEVICE and bind.
//
// Ping is the engine: one socket per address family for any number of
// targets, a single receive loop, requests paced per target (Interval) and
// for the whole run (Rate), per-request timeouts from a heap, no goroutine
// per packet. Each echo request carries icmpmsg's payload: a per-run random
// token, the target's index and its send time. icmpmsg.Match, a pure
// function that trace uses too, checks them (and the id and checksum) in
// every reply and quoted request; the per-target state counts a reply as
// received, duplicate, late or invalid — never a reply that failed a check
// — and counts invalid messages by cause (Result.InvalidByCause). ICMP
// errors quoting a request are counted per target, by type, code and
// sender, at most MaxErrorKinds of them itemised. An error whose quote is
// too short to hold the token is only a claim: it counts if the probe times
// out unanswered, and a reply shows it false. Zoned IPv6 targets
// (fe80::1%eth0) are sent over the zone's interface, looked up on the
// socket; a zone that names none is an error matching ErrZone. Statistics
// follow iputils (population mdev) and add percentiles, jitter and
// reordering.
//
// DefaultConfig is iputils ping's defaults, the one place they are set;
// Ping takes its Config as given. Config.Validate (which Ping runs again)
// refuses what cannot mean anything — a count of 0, durations below
// MinTiming, NaN rates — with a
// *ConfigError naming the field (errors.Is ErrConfig); so do Listen and
// Ping for a source address or interface the host does not have.
//
// Concurrency: a Conn may be written and read from different goroutines.
// Ping is safe to call concurrently; each call has its own sockets and
// token, so concurrent runs never count each other's replies. No goroutine
// started by Ping outlives it.
package probe

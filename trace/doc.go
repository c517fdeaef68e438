// Package trace is netdx's traceroute engine.
//
// Run sends ICMP echo, UDP or TCP SYN probes with every TTL in flight at
// once, under a packets-per-second cap, in TTL order with the probes of a
// TTL together, and stops at the destination: once the target has
// answered at TTL k, nothing beyond k is waited for. The wait for an answer
// adapts (three RTTs of the hops at or beyond a TTL, at most Config.Wait),
// so a silent hop costs one short wait. Routers and targets that rate-limit
// their ICMP (Linux: a burst of 6, then one a second) are paced and retried
// within the wait; probes they leave unanswered are reported as
// RateLimited, not as timeouts, and a target whose bucket is empty is
// polled until it answers.
//
// Probes are flow-stable (Paris traceroute): UDP probes keep their ports
// and carry their identity in the UDP checksum, ICMP probes keep their
// checksum and carry it in the sequence number, TCP probes keep the
// five-tuple and carry it in the sequence number; Config.Flows explores
// several flows. Answers are matched to probes by the quoted packet (ports,
// ids, sequence, checksum, and the probe's payload when quoted), also when
// a NAT rewrote the quote, never by source address; where the path ends is
// decided from the ICMP type and code and the quoted TTL.
//
// ICMP and ICMPv6 are read by package icmpmsg, as ping reads them: ICMP
// probes carry ping's payload (a per-run token, the send time), and an echo
// reply counts only with the right checksum, token, payload and send time,
// from the target; an error quoting an ICMP probe must carry the token
// whenever its quote is long enough to hold it. A quote too short for it
// (RFC 792 routers) is only a claim, held on the probe's slot until its
// wait ends, and replaced by any verified answer that comes first. Time
// Exceeded code 1 (fragment reassembly) and Source Quench are no hop's
// answer. Answers that are ours but fail a check are counted by cause.
// icmpmsg also decodes RFC 4884 extensions (RFC 4950 MPLS, RFC 5837
// interface information) and gives the marks (!H !N !X …). RunReport runs
// mtr-style rounds and Summarize turns them into per-hop loss and RTT
// statistics.
//
// DefaultConfig is traceroute's defaults and DefaultReportConfig mtr's
// rounds', the one place they are set; Run and RunReport take a Config as
// given. Config.Validate (which Run and RunReport run again; with a zero
// target it checks the fields alone) and ValidateReport refuse what cannot
// mean anything with a *ConfigError naming the field (errors.Is
// ErrConfig); so does Run for a source address or interface the host does
// not have. When the context ends, Run returns what it measured — the hops
// complete and those beyond a hop still waited for — with EndCanceled and
// the context's error.
//
// Each probe protocol (Protocol) is one file, icmp.go, udp.go and tcp.go:
// its sizes, ports and needs, how its probes are built and how an answer
// names one; and one _linux.go file: its sockets and how a probe leaves.
// A protocol added to the list without them does not compile.
//
// Privileges: ICMP and TCP probes need CAP_NET_RAW (trace uses probe's ICMP
// socket, which in raw mode also receives the errors quoting UDP and TCP
// probes). Without it, UDP probes read their errors from the sockets' error
// queues (IP_RECVERR, tracepath's way) and ICMP probes use probe's datagram
// socket (net.ipv4.ping_group_range); TCP probes fail with ErrPermission.
//
// A zoned IPv6 target (fe80::1%eth0, 2001:db8::2%eth0) is traced over its
// zone's interface; the zone must name an interface (ErrConfig otherwise).
//
// Run and RunReport may be called concurrently; each opens its own sockets
// and no goroutine outlives the call. Names is safe for concurrent use.
package trace

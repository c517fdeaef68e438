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
// ParseMessage, ParseQuote and ParseExtensions decode ICMP and ICMPv6
// errors, RFC 4884 extensions with RFC 4950 MPLS label stacks and RFC 5837
// interface information, on golang.org/x/net/icmp, ipv4 and ipv6 (trace
// keeps by hand only what x/net does not decode the way a traceroute must:
// where a quote ends, the extension checksum, the IPv4 next-hop MTU);
// Annotation gives the classic marks (!H !N !X …,
// the IPv6 mapping is documented there). RunReport runs mtr-style rounds
// and Summarize turns them into per-hop loss and RTT statistics.
//
// Config's zero value is traceroute's defaults; ExplicitZero asks for zero
// itself. Config.Validate (which Run and RunReport run again; with a zero
// target it checks the fields alone) and ValidateReport refuse what cannot
// mean anything with a *ConfigError naming the field (errors.Is
// ErrConfig); so does Run for a source address or interface the host does
// not have. When the context ends, Run returns what it measured — the hops
// complete and those beyond a hop still waited for — with EndCanceled and
// the context's error.
//
// Privileges: ICMP and TCP probes need CAP_NET_RAW (trace uses probe's ICMP
// socket, which in raw mode also receives the errors quoting UDP and TCP
// probes). Without it, UDP probes read their errors from the sockets' error
// queues (IP_RECVERR, tracepath's way) and ICMP probes use probe's datagram
// socket (net.ipv4.ping_group_range); TCP probes fail with ErrPermission.
//
// Run and RunReport may be called concurrently; each opens its own sockets
// and no goroutine outlives the call. Names is safe for concurrent use.
package trace

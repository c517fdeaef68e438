package netlab

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// Hook is the netfilter hook a fault applies at.
type Hook string

// The hooks faults use: traffic routed through a router, traffic for the
// node itself, and traffic the node sends (its own ICMP among it).
const (
	Forward Hook = "forward"
	Input   Hook = "input"
	Output  Hook = "output"
)

// Reject kinds, by the name nftables gives the ICMP code. The IPv6 ones are
// used for IPv6 destinations.
const (
	NetUnreachable   = "net-unreachable"  // ICMP 3/0 !N
	HostUnreachable  = "host-unreachable" // ICMP 3/1 !H
	ProtUnreachable  = "prot-unreachable" // ICMP 3/2 !P
	PortUnreachable  = "port-unreachable" // ICMP 3/3, ICMPv6 1/4
	NetProhibited    = "net-prohibited"   // ICMP 3/9 !N-ish
	HostProhibited   = "host-prohibited"  // ICMP 3/10
	AdminProhibited  = "admin-prohibited" // ICMP 3/13 !X, ICMPv6 1/1
	NoRoute6         = "no-route"         // ICMPv6 1/0
	AddrUnreachable6 = "addr-unreachable" // ICMPv6 1/3
	PolicyFail6      = "policy-fail"      // ICMPv6 1/5
	RejectRoute6     = "reject-route"     // ICMPv6 1/6
)

// faultSet is a node's nftables rules, by hook. The whole table is written
// again whenever it changes, so faults can be added and cleared in any order.
type faultSet struct {
	rules map[Hook][]string
}

// Fault adds a raw nftables rule (statement syntax of "nft add rule") at hook.
// The named helpers below cover the usual faults.
func (n *Node) Fault(hook Hook, rule string) {
	n.lab.tb.Helper()
	if n.faults.rules == nil {
		n.faults.rules = map[Hook][]string{}
	}
	n.faults.rules[hook] = append(n.faults.rules[hook], rule)
	n.applyFaults()
}

// ClearFaults removes every fault of the node.
func (n *Node) ClearFaults() {
	n.lab.tb.Helper()
	n.faults.rules = nil
	n.applyFaults()
}

// Loss drops pct percent of the packets to dst (any destination when dst is
// the zero prefix) at hook, at random (nftables numgen).
func (n *Node) Loss(hook Hook, dst netip.Prefix, pct int) {
	n.Fault(hook, fmt.Sprintf("%snumgen random mod 100 < %d drop", daddr(dst), pct))
}

// LoseEchoRequests drops pct percent of the ICMP and ICMPv6 echo requests
// at hook, at random: a filter or policer that hits ping and nothing else.
func (n *Node) LoseEchoRequests(hook Hook, pct int) {
	n.Fault(hook, fmt.Sprintf("icmp type echo-request numgen random mod 100 < %d drop", pct))
	n.Fault(hook, fmt.Sprintf("icmpv6 type echo-request numgen random mod 100 < %d drop", pct))
}

// FilterEcho makes the node drop every ICMP and ICMPv6 echo request
// addressed to it: a host behind a firewall that filters ping, whatever
// else it serves.
func (n *Node) FilterEcho() {
	n.Fault(Input, "icmp type echo-request drop")
	n.Fault(Input, "icmpv6 type echo-request drop")
}

// LoseEchoReplies drops pct percent of the ICMP and ICMPv6 echo replies at
// hook, at random: at Forward, a router that polices ping's answers and
// nothing else; at Output, a host that drops a share of its own.
func (n *Node) LoseEchoReplies(hook Hook, pct int) {
	n.Fault(hook, fmt.Sprintf("icmp type echo-reply numgen random mod 100 < %d drop", pct))
	n.Fault(hook, fmt.Sprintf("icmpv6 type echo-reply numgen random mod 100 < %d drop", pct))
}

// LimitEchoReplies lets at most perSecond echo replies a second pass hook
// after a burst, dropping the rest (nftables limit; ICMP and ICMPv6 each
// have their own budget): at Output, a host that polices its own echo
// replies; at Forward, a router that polices the echo replies it carries.
func (n *Node) LimitEchoReplies(hook Hook, perSecond, burst int) {
	n.Fault(hook, fmt.Sprintf("icmp type echo-reply limit rate over %d/second burst %d packets drop", perSecond, burst))
	n.Fault(hook, fmt.Sprintf("icmpv6 type echo-reply limit rate over %d/second burst %d packets drop", perSecond, burst))
}

// DropInput makes the node drop everything addressed to it but neighbour
// discovery (which a firewall lets through, and without which its router
// would report it unreachable): a target that answers nothing, on any
// protocol. Loopback is spared too.
func (n *Node) DropInput() {
	n.Fault(Input, "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept")
	n.Fault(Input, `iifname != "lo" drop`)
}

// Reject answers packets to dst at hook with the ICMP error kind (see the
// constants) instead of passing them on. A router rejects at Forward, a
// host its own traffic at Input.
func (n *Node) Reject(hook Hook, dst netip.Prefix, kind string) {
	icmp := "icmp"
	if dst.Addr().Is6() {
		icmp = "icmpv6"
	}
	n.Fault(hook, fmt.Sprintf("%sreject with %s type %s", daddr(dst), icmp, kind))
}

// SilentTTL makes the node a router that never answers TTL expiry: its
// ICMP Time Exceeded messages (v4 and v6) are dropped on the way out.
func (n *Node) SilentTTL() {
	n.Fault(Output, "icmp type time-exceeded drop")
	n.Fault(Output, "icmpv6 type time-exceeded drop")
}

// SilentTooBig makes the node a router that never says a packet is too
// big: its ICMP "fragmentation needed" (3/4) and ICMPv6 "packet too big"
// messages are dropped on the way out. Before a link of smaller MTU
// (PathConfig.MTUs), it makes a path MTU black hole: packets too big for
// the link die without a word, small ones pass.
func (n *Node) SilentTooBig() {
	n.Fault(Output, "icmp type destination-unreachable icmp code frag-needed drop")
	n.Fault(Output, "icmpv6 type packet-too-big drop")
}

// DropICMPShare drops pct percent of the ICMP errors and echo replies the
// node generates: a router that deprioritises its own ICMP.
func (n *Node) DropICMPShare(pct int) {
	n.Fault(Output, fmt.Sprintf("icmp type { echo-reply, destination-unreachable, time-exceeded } numgen random mod 100 < %d drop", pct))
	n.Fault(Output, fmt.Sprintf("icmpv6 type { echo-reply, destination-unreachable, time-exceeded } numgen random mod 100 < %d drop", pct))
}

// LimitICMP lets the node send at most perSecond ICMP errors and echo
// replies a second after a burst, dropping the rest (a policer, the way
// many routers protect their control plane).
func (n *Node) LimitICMP(perSecond, burst int) {
	n.Fault(Output, fmt.Sprintf("icmp type { echo-reply, destination-unreachable, time-exceeded } limit rate over %d/second burst %d packets drop", perSecond, burst))
	n.Fault(Output, fmt.Sprintf("icmpv6 type { echo-reply, destination-unreachable, time-exceeded } limit rate over %d/second burst %d packets drop", perSecond, burst))
}

// NoICMPRateLimit turns off the kernel's ICMP error rate limits in the
// node: the per-destination token buckets (net.ipv4.icmp_ratelimit,
// net.ipv6.icmp.ratelimit) and the namespace-wide budget shared by ICMP and
// ICMPv6 (icmp_msgs_per_sec, icmp_msgs_burst: 1000/s after a burst of 50 by
// default, which a test sending many probes quickly would drain). Tests
// that need every answer call it; the defaults stay for tests of limiting.
func (n *Node) NoICMPRateLimit() {
	n.Sysctl("net.ipv4.icmp_ratelimit", "0")
	n.Sysctl("net.ipv6.icmp.ratelimit", "0")
	n.Sysctl("net.ipv4.icmp_msgs_per_sec", "100000000")
	n.Sysctl("net.ipv4.icmp_msgs_burst", "100000000")
}

func daddr(dst netip.Prefix) string {
	switch {
	case !dst.IsValid():
		return ""
	case dst.Addr().Is4():
		return "ip daddr " + dst.Masked().String() + " "
	default:
		return "ip6 daddr " + dst.Masked().String() + " "
	}
}

// applyFaults writes the node's "inet netlab" table anew.
func (n *Node) applyFaults() {
	n.lab.tb.Helper()
	var b strings.Builder
	// Declare then delete, so that the script works whether or not the
	// table exists yet.
	b.WriteString("table inet netlab\ndelete table inet netlab\n")
	if len(n.faults.rules) > 0 {
		b.WriteString("table inet netlab {\n")
		for _, hook := range []Hook{Forward, Input, Output} {
			rules := n.faults.rules[hook]
			if len(rules) == 0 {
				continue
			}
			fmt.Fprintf(&b, "  chain %s {\n    type filter hook %s priority 0; policy accept;\n", hook, hook)
			for _, r := range rules {
				fmt.Fprintf(&b, "    %s\n", r)
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
	}
	n.nft(b.String())
}

// nft runs an nftables script in the node.
func (n *Node) nft(script string) {
	n.lab.tb.Helper()
	cmd := n.Command(context.Background(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.lab.tb.Fatalf("netlab: %s: nft: %v: %s\n%s", n.name, err, strings.TrimSpace(string(out)), script)
	}
}

package netlab

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"netdx/internal/testkit"
)

// LinkConfig describes a link between two nodes. The zero value is a plain
// veth pair with no addresses.
type LinkConfig struct {
	// A and B are the addresses (with prefix length) of each end; any mix
	// of IPv4 and IPv6.
	A, B []netip.Prefix
	// Delay is the one-way delay in each direction. Non-zero puts a slow
	// wire in the link (RTT over the link grows by twice Delay).
	Delay time.Duration
	// DelayOnly, when set with Delay, limits the delay to the frames it
	// accepts (Ethernet frames, either direction); the others cross at
	// once. ICMPFrom makes one for a router slow to send its own ICMP.
	DelayOnly func(frame []byte) bool
	// MTU of both ends; 0 leaves the kernel's default (1500).
	MTU int
	// Bursts, when its Period is set, makes the link lose everything for
	// a while every period (see Bursts; Link.Bursts gives the schedule).
	// It puts a slow wire in the link, with Delay or without.
	Bursts Bursts
}

// Prefixes parses addresses with prefix lengths ("198.18.0.1/24",
// "2001:db8::1/64") for LinkConfig, panicking on a malformed one (tests
// write them literally).
func Prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(s))
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// Link is a link between two nodes.
type Link struct {
	A, B         *Node
	IfA, IfB     string // interface names inside A and B
	AddrA, AddrB []netip.Prefix
	wire         *slowWire
	wireNode     *Node
}

// Wire returns the link's slow wire statistics, or zero values for a plain
// veth link.
func (lk *Link) Wire() WireStats {
	if lk.wire == nil {
		return WireStats{}
	}
	return lk.wire.stats()
}

// Bursts returns the schedule of the link's bursty loss, started when the
// link was made (a zero Period: none). It stops with the lab.
func (lk *Link) Bursts() BurstSchedule {
	if lk.wire == nil {
		return BurstSchedule{}
	}
	return lk.wire.bursts
}

// Connect joins a and b. Without delay or bursts it is one veth pair; with
// either, each node gets a veth whose peer is bridged to a TAP device of a
// hidden wire namespace, and netlab forwards frames between the two TAPs
// after the delay, losing those its bursts fall on.
// It returns once the link carries traffic (see waitUp).
func (l *Lab) Connect(a, b *Node, cfg LinkConfig) *Link {
	l.tb.Helper()
	lk := l.connect(a, b, cfg)
	l.waitUp(lk)
	return lk
}

// waitUp waits until the kernel has brought every veth of the links up.
// "ip link set up" returns before the kernel's link watcher has processed
// the carrier: until it has, the device drops what it is asked to send, and
// Linux batches that work at most once a second. A test starting at once
// would lose its first IPv6 neighbour solicitation and wait a second for
// the retry (the first ping over a fresh lab took 1 s).
func (l *Lab) waitUp(links ...*Link) {
	l.tb.Helper()
	for _, lk := range links {
		ends := []struct {
			n   *Node
			dev string
		}{{lk.A, lk.IfA}, {lk.B, lk.IfB}}
		if lk.wireNode != nil {
			ends = append(ends, struct {
				n   *Node
				dev string
			}{lk.wireNode, "va"}, struct {
				n   *Node
				dev string
			}{lk.wireNode, "vb"})
		}
		for _, e := range ends {
			testkit.Poll(l.tb, "netlab: "+e.n.name+" "+e.dev+" up", testkit.Guard, 5*time.Millisecond, func() (string, bool) {
				out, _ := e.n.Run(context.Background(), "cat", "/sys/class/net/"+e.dev+"/operstate")
				return strings.TrimSpace(out), strings.TrimSpace(out) == "up"
			})
		}
	}
}

func (l *Lab) connect(a, b *Node, cfg LinkConfig) *Link {
	l.tb.Helper()
	lk := &Link{A: a, B: b, IfA: a.newIfName(), IfB: b.newIfName(), AddrA: cfg.A, AddrB: cfg.B}
	if cfg.Delay <= 0 && cfg.Bursts.Period <= 0 {
		a.MustRun("ip", "link", "add", lk.IfA, "type", "veth", "peer", "name", lk.IfB, "netns", b.ns)
	} else {
		l.mu.Lock()
		l.nlinks++
		wn := fmt.Sprintf("w%d", l.nlinks)
		l.mu.Unlock()
		w := l.Node(wn)
		w.Sysctl("net.ipv6.conf.all.disable_ipv6", "1")
		w.Sysctl("net.ipv6.conf.default.disable_ipv6", "1")
		a.MustRun("ip", "link", "add", lk.IfA, "type", "veth", "peer", "name", "va", "netns", w.ns)
		b.MustRun("ip", "link", "add", lk.IfB, "type", "veth", "peer", "name", "vb", "netns", w.ns)
		wire, err := newSlowWire(w, cfg.Delay, cfg.DelayOnly, cfg.Bursts)
		if err != nil {
			l.tb.Fatal(err)
		}
		l.mu.Lock()
		l.wires = append(l.wires, wire)
		l.mu.Unlock()
		lk.wire, lk.wireNode = wire, w
		for _, side := range []string{"a", "b"} {
			w.MustRun("ip", "link", "add", "br"+side, "type", "bridge", "stp_state", "0", "forward_delay", "0")
			w.MustRun("ip", "link", "set", "v"+side, "master", "br"+side)
			w.MustRun("ip", "link", "set", "tap"+side, "master", "br"+side)
			if cfg.MTU > 0 {
				for _, dev := range []string{"v" + side, "tap" + side} {
					w.MustRun("ip", "link", "set", dev, "mtu", fmt.Sprint(cfg.MTU))
				}
			}
			for _, dev := range []string{"v" + side, "tap" + side, "br" + side} {
				w.MustRun("ip", "link", "set", dev, "up")
			}
		}
	}
	for _, end := range []struct {
		n     *Node
		ifc   string
		addrs []netip.Prefix
	}{{a, lk.IfA, cfg.A}, {b, lk.IfB, cfg.B}} {
		if cfg.MTU > 0 {
			end.n.MustRun("ip", "link", "set", end.ifc, "mtu", fmt.Sprint(cfg.MTU))
		}
		for _, p := range end.addrs {
			args := []string{"addr", "add", p.String(), "dev", end.ifc}
			if p.Addr().Is6() {
				args = append(args, "nodad")
			}
			end.n.MustRun("ip", args...)
			end.n.addrs = append(end.n.addrs, p)
		}
		end.n.MustRun("ip", "link", "set", end.ifc, "up")
	}
	return lk
}

func (n *Node) newIfName() string {
	name := fmt.Sprintf("eth%d", n.nextIf)
	n.nextIf++
	return name
}

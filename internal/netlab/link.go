package netlab

import (
	"fmt"
	"net/netip"
	"time"
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
	// MTU of both ends; 0 leaves the kernel's default (1500).
	MTU int
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
}

// Wire returns the link's slow wire statistics, or zero values for a plain
// veth link.
func (lk *Link) Wire() WireStats {
	if lk.wire == nil {
		return WireStats{}
	}
	return lk.wire.stats()
}

// Connect joins a and b. Without delay it is one veth pair; with delay each
// node gets a veth whose peer is bridged to a TAP device of a hidden wire
// namespace, and netlab forwards frames between the two TAPs after the delay.
func (l *Lab) Connect(a, b *Node, cfg LinkConfig) *Link {
	l.tb.Helper()
	lk := &Link{A: a, B: b, IfA: a.newIfName(), IfB: b.newIfName(), AddrA: cfg.A, AddrB: cfg.B}
	if cfg.Delay <= 0 {
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
		wire, err := newSlowWire(w, cfg.Delay)
		if err != nil {
			l.tb.Fatal(err)
		}
		l.mu.Lock()
		l.wires = append(l.wires, wire)
		l.mu.Unlock()
		lk.wire = wire
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

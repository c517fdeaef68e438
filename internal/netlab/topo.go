package netlab

import (
	"fmt"
	"net/netip"
	"time"
)

// PathConfig describes a chain src — r1 — … — rN — dst. The zero value is
// src and dst joined directly.
type PathConfig struct {
	// Routers is the number of routers between src and dst; the target is
	// Routers+1 hops away.
	Routers int
	// Delays gives the one-way delay of each link, from the src side (link
	// 0 joins src and r1). Missing entries mean no delay.
	Delays []time.Duration
	// DelayOnly, when it has an entry for a link with a delay, limits the
	// delay to the frames the entry accepts (see LinkConfig.DelayOnly).
	DelayOnly []func(frame []byte) bool
	// MTUs gives the MTU of each link, from the src side; missing or zero
	// entries keep 1500. A router before a smaller MTU says so to senders
	// of bigger packets, unless it is SilentTooBig.
	MTUs []int
	// Bursts gives each link's bursty loss (see Bursts), from the src
	// side; missing or zero entries mean none.
	Bursts []Bursts
	// NoICMPRateLimit makes the routers and dst answer every probe (see
	// Node.NoICMPRateLimit); otherwise they keep Linux's default limits.
	NoICMPRateLimit bool
	// TargetICMPRateLimit keeps Linux's default ICMP rate limits on dst
	// when NoICMPRateLimit frees the routers: a target that limits its
	// port unreachables (6 at once, then one a second to each sender)
	// behind routers that answer everything.
	TargetICMPRateLimit bool
}

// Path is a linear topology built by Chain. Link i (0-based from src) uses
// 198.18.(i+1).0/24 and 2001:db8:(i+1)::/64, the left end .1/::1 and the
// right end .2/::2, so router k answers traceroute from 198.18.k.2 and
// 2001:db8:k::2, and the target is 198.18.(N+1).2 / 2001:db8:(N+1)::2.
type Path struct {
	Src, Dst *Node
	Routers  []*Node
	Links    []*Link
}

// Hop4 is the IPv4 address hop k (1-based; the last hop is the target)
// answers from; Hop6 the IPv6 one.
func (p *Path) Hop4(k int) netip.Addr { return linkAddr4(k-1, 2) }

// Hop6 is the IPv6 address hop k answers from.
func (p *Path) Hop6(k int) netip.Addr { return linkAddr6(k-1, 2) }

// Target4 is the target's IPv4 address; Target6 its IPv6 address.
func (p *Path) Target4() netip.Addr { return p.Hop4(len(p.Links)) }

// Target6 is the target's IPv6 address.
func (p *Path) Target6() netip.Addr { return p.Hop6(len(p.Links)) }

func linkAddr4(link, host int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(link + 1), byte(host)})
}

func linkAddr6(link, host int) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("2001:db8:%x::%x", link+1, host))
}

// Chain builds a linear path with forwarding and routes both ways, dual
// stack. Routers keep Linux's default ICMP rate limits; NoICMPRateLimit turns
// them off.
func (l *Lab) Chain(cfg PathConfig) *Path {
	l.tb.Helper()
	p := &Path{Src: l.Node("src")}
	nodes := []*Node{p.Src}
	for i := 1; i <= cfg.Routers; i++ {
		r := l.Node(fmt.Sprintf("r%d", i))
		r.Forwarding()
		p.Routers = append(p.Routers, r)
		nodes = append(nodes, r)
	}
	p.Dst = l.Node("dst")
	nodes = append(nodes, p.Dst)

	for i := 0; i+1 < len(nodes); i++ {
		lk := l.connect(nodes[i], nodes[i+1], LinkConfig{
			A:         []netip.Prefix{netip.PrefixFrom(linkAddr4(i, 1), 24), netip.PrefixFrom(linkAddr6(i, 1), 64)},
			B:         []netip.Prefix{netip.PrefixFrom(linkAddr4(i, 2), 24), netip.PrefixFrom(linkAddr6(i, 2), 64)},
			Delay:     at(cfg.Delays, i),
			DelayOnly: at(cfg.DelayOnly, i),
			MTU:       at(cfg.MTUs, i),
			Bursts:    at(cfg.Bursts, i),
		})
		p.Links = append(p.Links, lk)
	}
	// Towards dst: each node's default route is the next node's left end.
	// Towards src: each router reaches the links behind it via its left
	// neighbour; dst gets a default route back.
	for i := 0; i+1 < len(nodes); i++ {
		n := nodes[i]
		n.DefaultRoute(linkAddr4(i, 2))
		n.DefaultRoute(linkAddr6(i, 2))
		for j := 0; j < i-1; j++ {
			n.Route(netip.PrefixFrom(linkAddr4(j, 0), 24), linkAddr4(i-1, 1))
			n.Route(netip.PrefixFrom(linkAddr6(j, 0), 64), linkAddr6(i-1, 1))
		}
	}
	last := len(nodes) - 1
	p.Dst.DefaultRoute(linkAddr4(last-1, 1))
	p.Dst.DefaultRoute(linkAddr6(last-1, 1))
	if cfg.NoICMPRateLimit {
		for _, r := range p.Routers {
			r.NoICMPRateLimit()
		}
		if !cfg.TargetICMPRateLimit {
			p.Dst.NoICMPRateLimit()
		}
	}
	l.waitUp(p.Links...)
	return p
}

// at is s[i], or the zero value past the end of s.
func at[T any](s []T, i int) T {
	var zero T
	if i < len(s) {
		return s[i]
	}
	return zero
}

// Loop makes a routing loop of routers k-1 and k (1-based, k ≥ 2): router k
// sends the packets for the target back to router k-1, which sends them on
// to router k again, until their TTL runs out. A probe whose TTL runs out
// in the loop is answered by the two in turn: hop k-1, hop k, hop k-1, …
// (for IPv6, router k-1 answers the probes that come back to it from its
// address towards router k: Linux answers an IPv6 probe from the link it
// came in by). Other destinations, the routers' own addresses among them,
// are reached as before.
func (p *Path) Loop(k int) {
	tb := p.Src.lab.tb
	tb.Helper()
	if k < 2 || k > len(p.Routers) {
		tb.Fatalf("netlab: Loop(%d): a loop needs routers k-1 and k of %d", k, len(p.Routers))
	}
	r := p.Routers[k-1]
	r.Route(netip.PrefixFrom(p.Target4(), 32), linkAddr4(k-1, 1))
	r.Route(netip.PrefixFrom(p.Target6(), 128), linkAddr6(k-1, 1))
}

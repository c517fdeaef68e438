package netlab

import (
	"fmt"
	"net/netip"
	"slices"
)

// DiamondConfig describes a path that forks: src — fork — {branches of
// routers side by side} — join — dst. The zero value is two branches of one
// router each, with flows spread over both (ECMP).
type DiamondConfig struct {
	// Branches lists how many routers each branch has (at least one);
	// nil means two branches of one router.
	Branches []int
	// Asymmetric sends everything for dst through branch 0 and everything
	// back to src (the target's replies, the join's ICMP) through branch 1,
	// which needs exactly two branches: the return path is another one,
	// as many routers long as branch 1. Otherwise the fork and the join
	// spread flows over every branch, both ways (ECMP), hashing addresses
	// and ports (fib_multipath_hash_policy 1, IPv4 and IPv6): TCP and UDP
	// flows take a branch by their ports, ICMP echo between two hosts
	// always the same one.
	Asymmetric bool
	// NoICMPRateLimit makes every router and dst answer every probe (see
	// Node.NoICMPRateLimit).
	NoICMPRateLimit bool
}

// Diamond is a forked path built by Lab.Diamond. Its links are numbered as
// they are made — src–fork, then each branch from the fork to the join,
// then join–dst — and link i uses 198.18.(i+1).0/24 and
// 2001:db8:(i+1)::/64, .1/::1 on the fork (src) side and .2/::2 on the
// other. A Linux router answers IPv4 probes from its address on the link
// its answer leaves by, IPv6 ones from its address on the link the probe
// came in by: a branch router from its fork-side address (Node.Addr4,
// Addr6); the join, for IPv4, from its end of the branch that carries its
// answer back (with Asymmetric, branch 1: the address shows the return
// path), for IPv6 from its end of the branch the probe took.
type Diamond struct {
	Src, Fork, Join, Dst *Node
	// Branches holds each branch's routers, fork side first.
	Branches [][]*Node
	Links    []*Link
}

// Target4 is the target's IPv4 address; Target6 its IPv6 address.
func (d *Diamond) Target4() netip.Addr { return linkAddr4(len(d.Links)-1, 2) }

// Target6 is the target's IPv6 address.
func (d *Diamond) Target6() netip.Addr { return linkAddr6(len(d.Links)-1, 2) }

// Diamond builds a forked path with forwarding and routes both ways, dual
// stack. The target is as many hops away as the branch the probes take is
// long, plus three.
func (l *Lab) Diamond(cfg DiamondConfig) *Diamond {
	l.tb.Helper()
	lengths := cfg.Branches
	if lengths == nil {
		lengths = []int{1, 1}
	}
	if len(lengths) < 2 || cfg.Asymmetric && len(lengths) != 2 || slices.Min(lengths) < 1 {
		l.tb.Fatalf("netlab: a diamond needs two branches or more (two if asymmetric) of a router or more: %v", lengths)
	}
	d := &Diamond{Src: l.Node("src"), Fork: l.Node("fork")}
	routers := []*Node{d.Fork}
	for b, n := range lengths {
		var branch []*Node
		for j := range n {
			branch = append(branch, l.Node(fmt.Sprintf("b%dr%d", b, j)))
		}
		d.Branches = append(d.Branches, branch)
		routers = append(routers, branch...)
	}
	d.Join, d.Dst = l.Node("join"), l.Node("dst")
	routers = append(routers, d.Join)
	for _, r := range routers {
		r.Forwarding()
	}

	d.link(l, d.Src, d.Fork)
	var forth, back []end // the gateways into each branch from the fork and from the join
	for _, branch := range d.Branches {
		first, last := d.linkBranch(l, branch)
		forth, back = append(forth, first), append(back, last)
	}
	last := d.link(l, d.Join, d.Dst)
	d.Src.routeLink(anyLink, end{0, 2})
	d.Dst.routeLink(anyLink, end{last, 1})
	if cfg.Asymmetric {
		forth, back = forth[:1], back[1:]
	} else {
		for _, r := range []*Node{d.Fork, d.Join} {
			r.Sysctl("net.ipv4.fib_multipath_hash_policy", "1")
			r.Sysctl("net.ipv6.fib_multipath_hash_policy", "1")
		}
	}
	d.Fork.routeLink(anyLink, forth...)
	d.Join.routeLink(anyLink, back...)

	if cfg.NoICMPRateLimit {
		for _, r := range append(routers, d.Dst) {
			r.NoICMPRateLimit()
		}
	}
	l.waitUp(d.Links...)
	return d
}

// link joins a and b with the diamond's next link and returns its number.
func (d *Diamond) link(l *Lab, a, b *Node) int {
	i := len(d.Links)
	d.Links = append(d.Links, l.connect(a, b, LinkConfig{
		A: []netip.Prefix{netip.PrefixFrom(linkAddr4(i, 1), 24), netip.PrefixFrom(linkAddr6(i, 1), 64)},
		B: []netip.Prefix{netip.PrefixFrom(linkAddr4(i, 2), 24), netip.PrefixFrom(linkAddr6(i, 2), 64)},
	}))
	return i
}

// linkBranch joins the fork, a branch's routers and the join, routes
// along the branch, and has the fork and the join reach the branch's
// links through it. It returns the branch's gateways: its first router
// seen from the fork, its last seen from the join.
func (d *Diamond) linkBranch(l *Lab, branch []*Node) (first, last end) {
	hops := append(append([]*Node{d.Fork}, branch...), d.Join)
	var links []int
	for j := 0; j+1 < len(hops); j++ {
		links = append(links, d.link(l, hops[j], hops[j+1]))
	}
	// A branch router sends on towards the join, and back towards the
	// fork what is for src's link or its branch's earlier links.
	for j, r := range branch {
		r.routeLink(anyLink, end{links[j+1], 2})
		for _, lk := range append([]int{0}, links[:j]...) {
			r.routeLink(lk, end{links[j], 1})
		}
	}
	first, last = end{links[0], 2}, end{links[len(links)-1], 1}
	for _, lk := range links[1:] {
		d.Fork.routeLink(lk, first)
	}
	for _, lk := range links[:len(links)-1] {
		d.Join.routeLink(lk, last)
	}
	return first, last
}

// end is one end of a lab link: host 1 on the src side, 2 on the other.
type end struct{ link, host int }

// anyLink stands for every destination in routeLink: the default routes.
const anyLink = -1

// routeLink routes link dst's prefixes, IPv4 and IPv6 (anyLink: the
// default routes), via the ends given, spreading flows over them when they
// are several.
func (n *Node) routeLink(dst int, via ...end) {
	n.lab.tb.Helper()
	dst4, dst6 := "0.0.0.0/0", "::/0"
	if dst != anyLink {
		dst4 = netip.PrefixFrom(linkAddr4(dst, 0), 24).String()
		dst6 = netip.PrefixFrom(linkAddr6(dst, 0), 64).String()
	}
	for _, f := range []struct {
		fam, dst string
		addr     func(link, host int) netip.Addr
	}{{"-4", dst4, linkAddr4}, {"-6", dst6, linkAddr6}} {
		args := []string{f.fam, "route", "replace", f.dst}
		for _, e := range via {
			if len(via) > 1 {
				args = append(args, "nexthop")
			}
			args = append(args, "via", f.addr(e.link, e.host).String())
		}
		n.MustRun("ip", args...)
	}
}

package netlab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"netdx/internal/testkit"
)

// traceHops runs traceroute in n with args (one probe a hop) and returns
// the address each hop answered from, "*" for silence, and the output.
func traceHops(t *testing.T, n *Node, args ...string) ([]string, string) {
	t.Helper()
	out, _ := n.Run(context.Background(), "traceroute", append([]string{"-n", "-q", "1", "-w", "1"}, args...)...)
	var hops []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 {
			hops = append(hops, f[1])
		}
	}
	return hops, out
}

// famArgs is the traceroute option of target's family.
func famArgs(target netip.Addr) string {
	if target.Is6() {
		return "-6"
	}
	return "-4"
}

// owner names the lab node with address a, or returns a itself.
func owner(a string, nodes ...*Node) string {
	for _, n := range nodes {
		for _, p := range n.Addrs() {
			if p.Addr().String() == a {
				return n.Name()
			}
		}
	}
	return a
}

// TestIntegrationLoop checks a routing loop between r1 and r2 (v4 and
// v6): before, the target is 4 hops away; after, probes to it expire in
// the loop, answered by r1 and r2 in turn, and a ping's TTL runs out.
func TestIntegrationLoop(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 3, NoICMPRateLimit: true})
	r1, r2 := p.Routers[0], p.Routers[1]
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		if hops, out := traceHops(t, p.Src, famArgs(target), target.String()); len(hops) != 4 || hops[3] != target.String() {
			t.Fatalf("%s: before the loop, traceroute should reach the target at hop 4:\n%s", target, out)
		}
	}
	p.Loop(2)
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		hops, out := traceHops(t, p.Src, famArgs(target), "-m", "6", target.String())
		var who []string
		for _, h := range hops {
			who = append(who, owner(h, r1, r2))
		}
		if strings.Join(who, " ") != "r1 r2 r1 r2 r1 r2" {
			t.Errorf("%s: hops answered by %v, want r1 and r2 in turn:\n%s", target, who, out)
		}
		out, _ = p.Src.Run(context.Background(), "ping", "-n", "-c", "1", "-W", "5", target.String())
		m := regexp.MustCompile(`From (\S+) .*(?i)exceeded`).FindStringSubmatch(out)
		if m == nil || owner(m[1], r1, r2) == m[1] {
			t.Errorf("%s: a ping's TTL should run out in the loop:\n%s", target, out)
		}
	}
}

// sendUDP sends count datagrams from n's port sport to dst.
func sendUDP(n *Node, sport uint16, dst netip.AddrPort, count int) error {
	return n.Do(func() error {
		c, err := net.ListenUDP("udp", &net.UDPAddr{Port: int(sport)})
		if err != nil {
			return err
		}
		defer c.Close()
		for range count {
			if _, err := c.WriteToUDPAddrPort([]byte("netlab"), dst); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestIntegrationECMP checks the diamond's two branches with flows spread
// over them (v4 and v6): TCP connections from different ports take both,
// each way; ping always takes one; and with one branch losing 30%, a UDP
// flow hashed to it loses about that while one hashed to the other loses
// nothing.
func TestIntegrationECMP(t *testing.T) {
	l := New(t)
	d := l.Diamond(DiamondConfig{NoICMPRateLimit: true})
	d.Dst.ServeTCP(9000)
	branches := []*Node{d.Branches[0][0], d.Branches[1][0]}
	count := func(match string) [2]*Counter {
		return [2]*Counter{branches[0].Count(Forward, match), branches[1].Count(Forward, match)}
	}
	packets := func(c [2]*Counter) [2]uint64 { return [2]uint64{c[0].Packets(), c[1].Packets()} }
	for _, target := range []netip.Addr{d.Target4(), d.Target6()} {
		to := daddr(netip.PrefixFrom(target, target.BitLen()))
		from := strings.Replace(to, "daddr", "saddr", 1)
		syns := count(to + "tcp dport 9000 tcp flags & (syn | ack) == syn")
		synAcks := count(from + "tcp sport 9000 tcp flags & (syn | ack) == syn | ack")
		const conns = 16
		if err := d.Src.OpenAndClose(netip.AddrPortFrom(target, 9000), conns); err != nil {
			t.Fatal(err)
		}
		s, sa := packets(syns), packets(synAcks)
		t.Logf("%s: SYNs %v, SYN-ACKs %v by branch", target, s, sa)
		if s[0]+s[1] != conns || sa[0]+sa[1] != conns || min(s[0], s[1], sa[0], sa[1]) == 0 {
			t.Errorf("%s: %d connections: SYNs %v and SYN-ACKs %v by branch; want both branches each way", target, conns, s, sa)
		}

		echoes := count(to + "icmp type echo-request")
		if target.Is6() {
			echoes = count(to + "icmpv6 type echo-request")
		}
		for range 6 { // each ping has its own echo identifier
			if loss, _, _ := pingStats(t, d.Src, "-n", "-c", "2", "-i", "0.01", "-W", "5", target.String()); loss != 0 {
				t.Fatalf("%s: %.0f%% ping loss on a clean diamond", target, loss)
			}
		}
		if e := packets(echoes); e[0]+e[1] != 12 || min(e[0], e[1]) != 0 {
			t.Errorf("%s: echo requests %v by branch, want all 12 on one", target, e)
		}
	}

	// Find a UDP flow on each branch, make branch 0 lose 30% and send
	// 300 datagrams on each flow.
	dst := netip.AddrPortFrom(d.Target4(), 33434)
	udp := count(daddr(netip.PrefixFrom(dst.Addr(), 32)) + "udp dport 33434")
	var flows [2]uint16 // a source port on each branch; 0 while none found
	for sport := uint16(40000); flows[0] == 0 || flows[1] == 0; sport++ {
		if sport == 40064 {
			t.Fatalf("64 UDP flows, all on one branch: %v", packets(udp))
		}
		before := packets(udp)
		if err := sendUDP(d.Src, sport, dst, 1); err != nil {
			t.Fatal(err)
		}
		var now [2]uint64
		testkit.WaitFor(t, "the datagram to cross a branch", 5*time.Millisecond, func() bool {
			now = packets(udp)
			return now[0]+now[1] > before[0]+before[1]
		})
		b := 0
		if now[1] > before[1] {
			b = 1
		}
		if flows[b] == 0 {
			flows[b] = sport
		}
	}
	branches[0].Loss(Forward, netip.Prefix{}, 30)
	const sent = 300
	var arrived [2]*Counter
	for b, sport := range flows {
		arrived[b] = d.Dst.Count(Input, fmt.Sprintf("udp sport %d", sport))
	}
	for _, sport := range flows {
		if err := sendUDP(d.Src, sport, dst, sent); err != nil {
			t.Fatal(err)
		}
	}
	testkit.WaitFor(t, "the clean branch's flow to arrive", 5*time.Millisecond, func() bool { return arrived[1].Packets() == sent })
	lost := 100 * float64(sent-arrived[0].Packets()) / sent
	t.Logf("branch 0 at 30%% loss: flow from port %d lost %.1f%%, flow from port %d on branch 1 none", flows[0], lost, flows[1])
	if lost < 15 || lost > 45 {
		t.Errorf("the flow on the lossy branch lost %.1f%%, want 30%% ± 15", lost)
	}
}

// TestIntegrationAsymmetric checks the diamond that sends everything for
// the target through branch 0 and everything back through branch 1, one
// or two routers long (v4 and v6): traceroute sees the forward path (the
// join answering from its return-branch address), the replies' TTL counts
// the return path's routers, and loss on the return router takes echo
// replies only: every request reaches the target.
func TestIntegrationAsymmetric(t *testing.T) {
	for _, back := range []int{1, 2} {
		t.Run(fmt.Sprintf("return through %d", back), func(t *testing.T) {
			l := New(t)
			d := l.Diamond(DiamondConfig{Branches: []int{1, back}, Asymmetric: true, NoICMPRateLimit: true})
			fwd, ret := d.Branches[0][0], d.Branches[1][0]
			ttl := strconv.Itoa(64 - 2 - back) // the join, the return branch, the fork
			// The join answers IPv4 probes from its end of the return
			// branch, IPv6 ones from the end they came in by.
			joinBack, joinIn := len(d.Links)-2, len(d.Branches[0])+1
			for _, c := range []struct {
				target netip.Addr
				want   []netip.Addr
			}{
				{d.Target4(), []netip.Addr{d.Fork.Addr4(), fwd.Addr4(), linkAddr4(joinBack, 2), d.Target4()}},
				{d.Target6(), []netip.Addr{d.Fork.Addr6(), fwd.Addr6(), linkAddr6(joinIn, 2), d.Target6()}},
			} {
				hops, out := traceHops(t, d.Src, famArgs(c.target), c.target.String())
				if fmt.Sprint(hops) != fmt.Sprint(c.want) {
					t.Errorf("%s: hops %v, want %v:\n%s", c.target, hops, c.want, out)
				}
				out = d.Src.MustRun("ping", "-n", "-c", "1", "-W", "5", c.target.String())
				if !strings.Contains(out, " ttl="+ttl+" ") {
					t.Errorf("%s: want replies with TTL %s, after %d routers back:\n%s", c.target, ttl, back+2, out)
				}
			}

			requests := d.Dst.Count(Input, "icmp type echo-request")
			replies := [2]*Counter{fwd.Count(Forward, "icmp type echo-reply"), ret.Count(Forward, "icmp type echo-reply")}
			ret.Loss(Forward, netip.Prefix{}, 30)
			sent, got, _ := pingCount(t, d.Src, "-n", "-q", "-c", "300", "-i", "0.002", "-W", "1", d.Target4().String())
			loss := 100 * float64(sent-got) / float64(sent)
			t.Logf("30%% loss on the return router: ping lost %.1f%%", loss)
			if loss < 15 || loss > 45 {
				t.Errorf("ping lost %.1f%%, want 30%% ± 15", loss)
			}
			if rq, f, r := requests.Packets(), replies[0].Packets(), replies[1].Packets(); rq != uint64(sent) || f != 0 || r != uint64(sent) {
				t.Errorf("of %d echo requests, %d reached the target; %d replies crossed the forward router, %d the return one; want all, none, all",
					sent, rq, f, r)
			}
		})
	}
}

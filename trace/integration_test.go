package trace

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
	"netdx/probe"
)

// traceIn runs a trace from node n (sockets opened in its namespace).
func traceIn(t *testing.T, n *netlab.Node, target netip.Addr, cfg Config) Result {
	t.Helper()
	var res Result
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := n.Do(func() error {
		var err error
		res, err = Run(ctx, target, cfg)
		return err
	})
	if err != nil {
		t.Fatalf("trace %s: %v (sent %d, hops %s)", target, err, res.Sent, hopAddrs(res))
	}
	return res
}

// fastRouters turns off the ICMP rate limits of the path's routers (and
// target when all is set).
func fastRouters(p *netlab.Path, all bool) {
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	if all {
		p.Dst.NoICMPRateLimit()
	}
}

func hopAddrs(r Result) string {
	var b []string
	for _, h := range r.Hops {
		var as []string
		for _, p := range h.Probes {
			switch {
			case p.Answered():
				as = append(as, p.Addr.String()+p.Annotation)
			case p.RateLimited:
				as = append(as, "RL")
			default:
				as = append(as, "*")
			}
		}
		b = append(b, fmt.Sprintf("%d:%s", h.TTL, strings.Join(as, ",")))
	}
	return strings.Join(b, " ")
}

// TestIntegrationHops traces a 3-router path with each protocol, IPv4 and
// IPv6, and checks the hop list against the lab's addresses.
func TestIntegrationHops(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3})
	fastRouters(p, true)
	for _, proto := range Protocols() {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/v6=%v", proto, v6), func(t *testing.T) {
				target, hop := p.Target4(), p.Hop4
				if v6 {
					target, hop = p.Target6(), p.Hop6
				}
				res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.Protocol, c.Port, c.Wait = proto, proto.DefaultPort(), 2*time.Second }))
				var want []string
				for k := 1; k <= 4; k++ {
					a := hop(k).String()
					want = append(want, fmt.Sprintf("%d:%s,%s,%s", k, a, a, a))
				}
				if got := hopAddrs(res); got != strings.Join(want, " ") {
					t.Errorf("hops\n got %s\nwant %s", got, strings.Join(want, " "))
				}
				if !res.Reached || res.EndReason != EndReached {
					t.Errorf("reached=%v end_reason=%q", res.Reached, res.EndReason)
				}
			})
		}
	}
}

// TestIntegrationReject puts nftables rejects on r1 and checks that the
// trace ends at hop 2 with the mark, the raw type/code and r1 as sender.
func TestIntegrationReject(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	r1 := p.Routers[0]
	cases := []struct {
		kind      string
		v6        bool
		mark      string
		typ, code int
	}{
		{netlab.NetUnreachable, false, "!N", 3, 0},
		{netlab.HostUnreachable, false, "!H", 3, 1},
		{netlab.ProtUnreachable, false, "!P", 3, 2},
		{netlab.NetProhibited, false, "!A", 3, 9},
		{netlab.HostProhibited, false, "!Z", 3, 10},
		{netlab.AdminProhibited, false, "!X", 3, 13},
		{netlab.NoRoute6, true, "!N", 1, 0},
		{netlab.AdminProhibited, true, "!X", 1, 1},
		{netlab.AddrUnreachable6, true, "!H", 1, 3},
		{netlab.PolicyFail6, true, "!X", 1, 5},
		{netlab.RejectRoute6, true, "!X", 1, 6},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("v6=%v/%s", tc.v6, tc.kind), func(t *testing.T) {
			target, from := p.Target4(), p.Hop4(1)
			if tc.v6 {
				target, from = p.Target6(), p.Hop6(1)
			}
			r1.ClearFaults()
			r1.Reject(netlab.Forward, netip.PrefixFrom(target, target.BitLen()), tc.kind)
			res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.Wait = 2 * time.Second }))
			if res.Reached || res.EndReason != EndUnreachable || len(res.Hops) != 2 {
				t.Fatalf("reached=%v end=%q hops %s, want unreachable at hop 2", res.Reached, res.EndReason, hopAddrs(res))
			}
			for _, pr := range res.Hops[1].Probes {
				if pr.Addr != from || pr.Annotation != tc.mark || pr.ICMPType != tc.typ || pr.ICMPCode != tc.code {
					t.Errorf("hop 2 probe from %s %q %d/%d, want %s %q %d/%d", pr.Addr, pr.Annotation, pr.ICMPType, pr.ICMPCode,
						from, tc.mark, tc.typ, tc.code)
				}
			}
		})
	}
}

// TestIntegrationSilentRouter: r2 never answers TTL expiry; its hop shows
// '*' and the trace carries on to the target.
func TestIntegrationSilentRouter(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3})
	fastRouters(p, true)
	p.Routers[1].SilentTTL()
	for _, v6 := range []bool{false, true} {
		target := p.Target4()
		if v6 {
			target = p.Target6()
		}
		res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }))
		got := hopAddrs(res)
		if !res.Reached || len(res.Hops) != 4 || !strings.Contains(got, " 2:*,*,* ") {
			t.Errorf("v6=%v: hops %s (reached %v), want hop 2 silent and the target at 4", v6, got, res.Reached)
		}
		for _, pr := range res.Hops[1].Probes {
			if !pr.Timeout || pr.RateLimited {
				t.Errorf("v6=%v: silent hop probe %+v, want a timeout", v6, pr)
			}
		}
	}
}

// TestIntegrationRateLimitedTarget: the target keeps Linux's ICMP rate
// limit (a burst of 6, then one a second) and a first trace empties it.
// The second trace must still find the target, and report what the
// limiter swallowed as rate-limited, never as '*'.
func TestIntegrationRateLimitedTarget(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, false)
	for _, v6 := range []bool{false, true} {
		target := p.Target4()
		if v6 {
			target = p.Target6()
		}
		first := traceIn(t, p.Src, target, DefaultConfig())
		res := traceIn(t, p.Src, target, DefaultConfig())
		t.Logf("v6=%v: first %s; right after: %s", v6, hopAddrs(first), hopAddrs(res))
		if !res.Reached || len(res.Hops) != 3 {
			t.Fatalf("v6=%v: reached=%v hops %s, want the target at hop 3", v6, res.Reached, hopAddrs(res))
		}
		answered := 0
		for _, pr := range res.Hops[2].Probes {
			switch {
			case pr.Answered():
				answered++
				if pr.Addr != target {
					t.Errorf("v6=%v: target hop answered by %s", v6, pr.Addr)
				}
			case !pr.RateLimited:
				t.Errorf("v6=%v: target probe %+v is '*', want rate-limited", v6, pr)
			}
		}
		if answered == 0 {
			t.Errorf("v6=%v: no answer from the target", v6)
		}
	}
}

// TestIntegrationPathMTU: r1's link to r2 carries 1280 bytes; --mtu finds
// it from Fragmentation Needed / Packet Too Big and still reaches the
// target.
func TestIntegrationPathMTU(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	p.Routers[0].MustRun("ip", "link", "set", p.Links[1].IfA, "mtu", "1280")
	p.Routers[1].MustRun("ip", "link", "set", p.Links[1].IfB, "mtu", "1280")
	for _, v6 := range []bool{false, true} {
		target := p.Target4()
		if v6 {
			target = p.Target6()
		}
		res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.MTU = true }))
		if !res.Reached || res.PathMTU != 1280 {
			t.Errorf("v6=%v: reached=%v path mtu %d, want 1280 (%s)", v6, res.Reached, res.PathMTU, hopAddrs(res))
		}
		if len(res.Hops) == 3 && (res.Hops[0].PMTU != 1500 || res.Hops[2].PMTU != 1280) {
			t.Errorf("v6=%v: hop pmtu %d, %d, %d, want 1500 then 1280", v6, res.Hops[0].PMTU, res.Hops[1].PMTU, res.Hops[2].PMTU)
		}
	}
}

// TestIntegrationUnprivileged traces with UDP probes whose errors come from
// the sockets' error queues (IP_RECVERR, no raw socket).
func TestIntegrationUnprivileged(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	p.Routers[1].Reject(netlab.Forward, netip.PrefixFrom(p.Target6(), 128), netlab.AdminProhibited)
	res := traceIn(t, p.Src, p.Target4(), withConfig(func(c *Config) { c.Mode = probe.ModeDatagram }))
	want := fmt.Sprintf("1:%s,%[1]s,%[1]s 2:%s,%[2]s,%[2]s 3:%s,%[3]s,%[3]s", p.Hop4(1), p.Hop4(2), p.Hop4(3))
	if got := hopAddrs(res); got != want || !res.Reached {
		t.Errorf("v4 hops %s (reached %v), want %s", got, res.Reached, want)
	}
	res = traceIn(t, p.Src, p.Target6(), withConfig(func(c *Config) { c.Mode = probe.ModeDatagram }))
	want = fmt.Sprintf("1:%s,%[1]s,%[1]s 2:%s,%[2]s,%[2]s 3:%s!X,%[3]s!X,%[3]s!X", p.Hop6(1), p.Hop6(2), p.Hop6(2))
	if got := hopAddrs(res); got != want || res.EndReason != EndUnreachable {
		t.Errorf("v6 hops %s (%s), want %s", got, res.EndReason, want)
	}
	everyProbeAnswered(t, p.Src, p.Target4(), withConfig(func(c *Config) { c.Mode = probe.ModeDatagram }))
}

// everyProbeAnswered traces 20 times with 6 queries a hop and fails on any
// unanswered probe. On veth an ICMP error can be queued before sendto
// returns; it makes the socket's next send fail without sending (the
// pending error). No probe may be lost to that, however the error queue
// reader and the sender interleave.
func everyProbeAnswered(t *testing.T, n *netlab.Node, target netip.Addr, cfg Config) {
	t.Helper()
	cfg.Queries = 6
	for i := 0; i < 20; i++ {
		res := traceIn(t, n, target, cfg)
		var lost []string
		for _, h := range res.Hops {
			for _, pr := range h.Probes {
				if !pr.Answered() {
					lost = append(lost, fmt.Sprintf("ttl %d after %d attempts", h.TTL, pr.Attempts))
				}
			}
		}
		if len(lost) > 0 || !res.Reached {
			t.Fatalf("%s run %d: unanswered %v (reached %v, %d sent): %s", target, i, lost, res.Reached, res.Sent, hopAddrs(res))
		}
	}
}

// TestIntegrationICMPDatagram traces with ICMP echo probes on an
// unprivileged datagram socket: Time Exceeded comes from its error queue.
func TestIntegrationICMPDatagram(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
	for _, v6 := range []bool{false, true} {
		target, hop := p.Target4(), p.Hop4
		if v6 {
			target, hop = p.Target6(), p.Hop6
		}
		res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.Protocol, c.Port, c.Mode = ICMP, ICMP.DefaultPort(), probe.ModeDatagram }))
		want := fmt.Sprintf("1:%s,%[1]s,%[1]s 2:%s,%[2]s,%[2]s 3:%s,%[3]s,%[3]s", hop(1), hop(2), hop(3))
		if got := hopAddrs(res); got != want || !res.Reached {
			t.Errorf("v6=%v: hops %s (reached %v), want %s", v6, got, res.Reached, want)
		}
		everyProbeAnswered(t, p.Src, target, withConfig(func(c *Config) { c.Protocol, c.Port, c.Mode = ICMP, ICMP.DefaultPort(), probe.ModeDatagram }))
	}
}

// TestIntegrationFlowsAndLeaks: --flows 2 gets every hop on both flows, and
// no goroutine outlives Run.
func TestIntegrationFlowsAndLeaks(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	before := runtime.NumGoroutine()
	for _, proto := range Protocols() {
		res := traceIn(t, p.Src, p.Target4(), withConfig(func(c *Config) { c.Protocol, c.Port, c.Flows, c.Queries = proto, proto.DefaultPort(), 2, 2 }))
		for _, h := range res.Hops {
			flows := map[int]int{}
			for _, pr := range h.Probes {
				if pr.Answered() {
					flows[pr.Flow]++
				}
			}
			if flows[0] != 2 || flows[1] != 2 {
				t.Errorf("%s hop %d: answers per flow %v, want 2 on each of 2", proto, h.TTL, flows)
			}
		}
	}
	testkit.WaitGoroutines(t, before)
}

// TestIntegrationReport runs report rounds against a target that keeps
// Linux's ICMP rate limit: rounds after the first stop at the target, so
// no phantom hops appear past it, and every hop has a statistics line.
func TestIntegrationReport(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, false)
	var rep Report
	err := p.Src.Do(func() error {
		var err error
		rep, err = RunReport(context.Background(), p.Target4(), DefaultReportConfig(), Rounds{Count: 4, Interval: 100 * time.Millisecond})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Reached || rep.Rounds != 4 || len(rep.Hops) != 3 {
		t.Fatalf("reached=%v rounds %d, %d hops, want the target at hop 3: %+v", rep.Reached, rep.Rounds, len(rep.Hops), rep.Hops)
	}
	for k, h := range rep.Hops {
		if h.Sent != 4 || len(h.Addrs) == 0 || h.Addrs[0] != p.Hop4(k+1) {
			t.Errorf("hop %d: %+v, want 4 probes answered by %s", k+1, h, p.Hop4(k+1))
		}
	}
	if h := rep.Hops[0]; h.Received != 4 || h.LossPct() != 0 || h.Best > h.Avg || h.Avg > h.Worst {
		t.Errorf("hop 1 statistics %+v", h)
	}
}

// TestIntegrationTCPOpenPort: a listening target answers the SYN with a
// SYN-ACK (a closed port with a reset, see TestIntegrationHops).
func TestIntegrationTCPOpenPort(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	fastRouters(p, true)
	srv := p.Dst.Command(context.Background(), "ncat", "-lk", "-p", "8443")
	if err := p.Dst.Start(srv); err != nil {
		t.Fatal(err)
	}
	p.Dst.WaitListening(8443)
	res := traceIn(t, p.Src, p.Target4(), withConfig(func(c *Config) { c.Protocol, c.Port, c.Queries = TCP, 8443, 1 }))
	if pr := res.Hops[len(res.Hops)-1].Probes[0]; !res.Reached || pr.TCPFlags != "SA" || pr.Addr != p.Target4() {
		t.Errorf("reached=%v, last probe %+v, want a SYN-ACK from %s", res.Reached, pr, p.Target4())
	}
}

package trace

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// traceIn runs a trace from node n (sockets opened in its namespace).
func traceIn(t *testing.T, n *netlab.Node, target netip.Addr, cfg Config) Result {
	t.Helper()
	var res Result
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := n.Do(func() error {
		var err error
		res, err = Run(ctx, target, cfg)
		return err
	})
	if err != nil {
		t.Fatalf("trace %s: %v", target, err)
	}
	return res
}

// fastRouters turns off the ICMP rate limits of the path's routers (and
// target when all is set).
func fastRouters(p *netlab.Path, all bool) {
	for _, r := range p.Routers {
		r.ICMPRateLimit(0, 0, 0)
	}
	if all {
		p.Dst.ICMPRateLimit(0, 0, 0)
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
	for _, proto := range []string{"udp", "icmp", "tcp"} {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/v6=%v", proto, v6), func(t *testing.T) {
				target, hop := p.Target4(), p.Hop4
				if v6 {
					target, hop = p.Target6(), p.Hop6
				}
				res := traceIn(t, p.Src, target, Config{Protocol: proto, Wait: 2 * time.Second})
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

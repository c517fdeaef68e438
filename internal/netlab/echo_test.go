package netlab

import (
	"net/netip"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// pingCount runs iputils ping in n and returns how many echo requests it
// sent and how many replies came back, and how long it ran.
func pingCount(t *testing.T, n *Node, args ...string) (sent, received int, took time.Duration) {
	t.Helper()
	start := time.Now()
	out, _ := n.Run(t.Context(), "ping", args...)
	took = time.Since(start)
	m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping printed no summary:\n%s", out)
	}
	sent, _ = strconv.Atoi(m[1])
	received, _ = strconv.Atoi(m[2])
	return sent, received, took
}

// TestIntegrationEchoReplyPolicers checks the faults that hit echo replies
// and nothing else, in both families: a target policing its own (every
// request reaches it, it answers each, few answers leave), a router
// policing those it forwards, and a router dropping a share of them (its
// own replies untouched).
func TestIntegrationEchoReplyPolicers(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 2, NoICMPRateLimit: true})
	r2 := p.Routers[1]
	const rate, burst = 5, 5
	// policed checks that a policer of rate a second after burst let
	// through no more than it allows.
	policed := func(what string, target netip.Addr) {
		t.Helper()
		sent, got, took := pingCount(t, p.Src, "-n", "-q", "-c", "100", "-i", "0.005", "-W", "1", target.String())
		allowed := rate + burst + int(rate*took.Seconds()+1)
		t.Logf("%s, %s: %d of %d replies in %v", what, target, got, sent, took.Round(time.Millisecond))
		if got < burst || got > allowed {
			t.Errorf("%s, %s: %d of %d replies in %v, want %d to %d", what, target, got, sent, took, burst, allowed)
		}
	}
	t.Run("target", func(t *testing.T) {
		requests4 := p.Dst.Count(Input, "icmp type echo-request")
		replies4 := p.Dst.Count(Output, "icmp type echo-reply")
		replies6 := p.Dst.Count(Output, "icmpv6 type echo-reply")
		p.Dst.LimitEchoReplies(Output, rate, burst)
		policed("target policing its own replies", p.Target4())
		policed("target policing its own replies", p.Target6())
		if rq, r4, r6 := requests4.Packets(), replies4.Packets(), replies6.Packets(); rq != 100 || r4 != 100 || r6 != 100 {
			t.Errorf("the target received %d IPv4 requests and made %d IPv4, %d IPv6 replies; want 100 each", rq, r4, r6)
		}
		p.Dst.ClearFaults()
	})
	t.Run("router limit", func(t *testing.T) {
		r2.LimitEchoReplies(Forward, rate, burst)
		policed("router policing forwarded replies", p.Target4())
		policed("router policing forwarded replies", p.Target6())
		r2.ClearFaults()
	})
	t.Run("router share", func(t *testing.T) {
		r2.LoseEchoReplies(Forward, 30)
		for _, target := range []netip.Addr{p.Target4(), p.Target6(), p.Hop4(2), p.Hop6(2)} {
			sent, got, _ := pingCount(t, p.Src, "-n", "-q", "-c", "300", "-i", "0.002", "-W", "1", target.String())
			loss := 100 * float64(sent-got) / float64(sent)
			t.Logf("%s: %.1f%% loss", target, loss)
			own := target == p.Hop4(2) || target == p.Hop6(2)
			if own && loss != 0 || !own && (loss < 20 || loss > 40) {
				t.Errorf("%s: %.1f%% loss; want 30%% ± 10 to the target, none to the router itself", target, loss)
			}
		}
		r2.ClearFaults()
	})
}

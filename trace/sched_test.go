package trace

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// runFake traces p with cfg inside a synctest bubble and returns the
// result and how long it took on the bubble's clock.
func runFake(t *testing.T, p *fakePath, cfg Config) (Result, time.Duration) {
	t.Helper()
	var res Result
	var took time.Duration
	synctest.Test(t, func(t *testing.T) {
		// Channels must belong to the bubble for its clock to run.
		p.out, p.closed = make(chan reply, 1024), make(chan struct{})
		for _, h := range p.hops {
			if !h.lastTick.IsZero() {
				h.lastTick = time.Now()
			}
		}
		c, err := cfg.forTarget(p.target)
		if err != nil {
			t.Fatal(err)
		}
		p.setFlows(c)
		start := time.Now()
		sess := newSession(p)
		res, err = traceOnce(context.Background(), c, sess, DefaultConfig().Size)
		sess.close()
		if err != nil {
			t.Fatal(err)
		}
		took = time.Since(start)
	})
	return res, took
}

// summary renders a result as "ttl:addr,addr,*;..." for comparisons.
func summary(r Result) string {
	var b strings.Builder
	for _, h := range r.Hops {
		fmt.Fprintf(&b, "%d:", h.TTL)
		for i, p := range h.Probes {
			if i > 0 {
				b.WriteString(",")
			}
			switch {
			case p.Answered():
				b.WriteString(p.Addr.String() + p.Annotation)
			case p.RateLimited:
				b.WriteString("RL")
			default:
				b.WriteString("*")
			}
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

var fourHops = []time.Duration{time.Millisecond, 81 * time.Millisecond, 82 * time.Millisecond, 83 * time.Millisecond}

func TestSchedCleanPath(t *testing.T) {
	for _, proto := range Protocols() {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/v6=%v", proto, v6), func(t *testing.T) {
				p := newFakePath(proto, v6, fourHops...)
				res, took := runFake(t, p, withConfig(func(c *Config) { c.Protocol, c.Port = proto, proto.DefaultPort() }))
				h := func(k int) string { return p.hops[k-1].addr.String() }
				want := fmt.Sprintf("1:%s,%[1]s,%[1]s 2:%s,%[2]s,%[2]s 3:%s,%[3]s,%[3]s 4:%s,%[4]s,%[4]s", h(1), h(2), h(3), h(4))
				if got := summary(res); got != want {
					t.Errorf("hops\n got %s\nwant %s", got, want)
				}
				if !res.Reached || res.EndReason != EndReached {
					t.Errorf("reached=%v end=%q, want reached", res.Reached, res.EndReason)
				}
				// All TTLs in flight at once: the whole path takes about
				// one RTT of the target, not one per hop.
				if took > 2*fourHops[3]+50*time.Millisecond {
					t.Errorf("took %v on the fake clock, want about one RTT (%v)", took, fourHops[3])
				}
				for _, pr := range res.Hops[3].Probes {
					if pr.RTT != fourHops[3] {
						t.Errorf("target rtt %v, want %v", pr.RTT, fourHops[3])
					}
				}
			})
		}
	}
}

// TestSchedStalledAnswer: an answer that arrived in time but was not read
// when the wait ran out (the process descheduled on a busy machine) still
// counts, with its kernel-timestamped RTT; it is neither lost nor put down
// to the target's rate limit.
func TestSchedStalledAnswer(t *testing.T) {
	for _, proto := range Protocols() {
		t.Run(proto.String(), func(t *testing.T) {
			rtts := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
			p := newFakePath(proto, true, rtts...)
			p.hops[2].stallAnswer, p.hops[2].stall = 2, 2*time.Second
			res, _ := runFake(t, p, withConfig(func(c *Config) { c.Protocol, c.Port = proto, proto.DefaultPort() }))
			if len(res.Hops) != 3 || !res.Reached {
				t.Fatalf("hops %s, want 3 and reached", summary(res))
			}
			for _, pr := range res.Hops[2].Probes {
				if !pr.Answered() || pr.RTT != time.Millisecond || pr.Attempts != 1 {
					t.Errorf("target probe %+v, want answered once after 1ms (hops %s)", pr, summary(res))
				}
			}
		})
	}
}

func TestSchedSilentHop(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.hops[1].silent = true
	res, took := runFake(t, p, DefaultConfig())
	got := summary(res)
	if !strings.HasPrefix(got, "1:198.18.1.2,") || !strings.Contains(got, " 2:*,*,* 3:198.18.3.2,") || !res.Reached {
		t.Errorf("hops %s, want hop 2 silent and the trace carrying on to the target", got)
	}
	// One adaptive wait (3 RTTs of the farther hops), not -w 5 s.
	if took > 500*time.Millisecond {
		t.Errorf("took %v with one silent hop, want one adaptive wait (< 0.5 s)", took)
	}
}

func TestSchedTargetLimiterFull(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.limitLinux(4, false)
	res, took := runFake(t, p, DefaultConfig())
	if got := summary(res); !strings.HasSuffix(got, "4:198.18.4.2,198.18.4.2,198.18.4.2") {
		t.Errorf("hops %s: the first probes to reach the target must get its burst", got)
	}
	if took > 2*fourHops[3]+50*time.Millisecond {
		t.Errorf("took %v, want about one RTT", took)
	}
}

func TestSchedTargetLimiterDrained(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.limitLinux(4, true)
	res, took := runFake(t, p, DefaultConfig())
	if !res.Reached || len(res.Hops) != 4 {
		t.Fatalf("reached=%v with %d hops (%s), want the target at hop 4", res.Reached, len(res.Hops), summary(res))
	}
	var answered, limitedN int
	for _, pr := range res.Hops[3].Probes {
		switch {
		case pr.Answered():
			answered++
		case pr.RateLimited:
			limitedN++
		}
	}
	if answered == 0 || answered+limitedN != 3 {
		t.Errorf("hop 4 = %s: want the target's answer and the rest rate-limited, no '*'", summary(res))
	}
	// The bucket gives one answer a second: the trace must take about
	// that, not a 5 s wait.
	if took > 1200*time.Millisecond {
		t.Errorf("took %v against a drained target, want about 1 s", took)
	}
}

func TestSchedUnreachable(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		p := newFakePath(UDP, v6, fourHops...)
		p.hops[1].reject = 1 // !H (ICMPv6 code 1: !X)
		res, _ := runFake(t, p, DefaultConfig())
		want := "!H"
		if v6 {
			want = "!X"
		}
		if res.Reached || res.EndReason != EndUnreachable || len(res.Hops) != 3 {
			t.Fatalf("v6=%v: reached=%v end=%q hops %s, want unreachable at hop 3", v6, res.Reached, res.EndReason, summary(res))
		}
		for _, pr := range res.Hops[2].Probes {
			if pr.Annotation != want || pr.Addr != p.hops[1].addr || pr.ICMPCode != 1 {
				t.Errorf("v6=%v: hop 3 probe %+v, want %s from %s", v6, pr, want, p.hops[1].addr)
			}
		}
	}
}

func TestSchedRateLimitedRouter(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.limitLinux(2, false)
	p.hops[1].tokens = time.Second // one answer now, then one a second
	res, _ := runFake(t, p, DefaultConfig())
	h2 := res.Hops[1]
	var answered int
	for _, pr := range h2.Probes {
		if pr.Answered() {
			answered++
		} else if !pr.RateLimited {
			t.Errorf("hop 2 probe %+v: a hop that answers is rate-limited, not '*'", pr)
		}
	}
	if answered < 2 {
		t.Errorf("hop 2 = %s: retries paced to the hop should get more than the burst", summary(res))
	}
}

func TestSchedMPLS(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.hops[2].mpls = []uint32{24001, 16}
	res, _ := runFake(t, p, withConfig(func(c *Config) { c.Queries = 1 }))
	e := res.Hops[2].Probes[0].Extensions
	if e == nil || len(e.MPLS) != 2 || e.MPLS[0].Label != 24001 || e.MPLS[1].Label != 16 || !e.MPLS[1].S {
		t.Errorf("hop 3 extensions %+v, want labels 24001, 16", e)
	}
}

func TestSchedFlows(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	res, _ := runFake(t, p, withConfig(func(c *Config) { c.Flows, c.Queries = 3, 2 }))
	for _, h := range res.Hops {
		if len(h.Probes) != 6 {
			t.Fatalf("hop %d has %d probes, want 3 flows x 2", h.TTL, len(h.Probes))
		}
		for i, pr := range h.Probes {
			if pr.Flow != i/2 || !pr.Answered() {
				t.Errorf("hop %d probe %d: flow %d answered %v", h.TTL, i, pr.Flow, pr.Answered())
			}
		}
	}
}

func TestSchedStopsAtDestination(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	res, _ := runFake(t, p, DefaultConfig())
	if len(res.Hops) != 4 {
		t.Errorf("%d hops, want none past the target", len(res.Hops))
	}
	// Probes go out in TTL order, the probes of a TTL together.
	for i := 1; i < len(p.sent) && i < 12; i++ {
		if p.sent[i] < p.sent[i-1] {
			t.Fatalf("send order %v is not by TTL", p.sent)
		}
	}
}

// TestSchedSilentTarget: a target that never answers is polled until the
// wait bound, then the trace ends at the max TTL, with the hops before it
// intact.
func TestSchedSilentTarget(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.hops[3].silent = true
	res, took := runFake(t, p, withConfig(func(c *Config) { c.Wait, c.MaxTTL = time.Second, 8 }))
	if res.Reached || res.EndReason != EndMaxTTL || len(res.Hops) != 8 {
		t.Fatalf("reached=%v end=%q %d hops, want max_ttl after 8", res.Reached, res.EndReason, len(res.Hops))
	}
	if !strings.HasPrefix(summary(res), "1:198.18.1.2,198.18.1.2,198.18.1.2 2:") {
		t.Errorf("hops %s", summary(res))
	}
	if took < time.Second || took > 1300*time.Millisecond {
		t.Errorf("took %v, want the wait bound (1 s) and little more", took)
	}
	if res.Sent <= 8*3 {
		t.Errorf("sent %d probes: the frontier was never polled", res.Sent)
	}
	if res.Sent > 8*3+1500/20+10 {
		t.Errorf("sent %d probes: polling the frontier too fast", res.Sent)
	}
}

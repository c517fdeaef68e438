package trace

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// mkRound builds a Result from "addr@ms", "*" (lost) and "RL" (rate-limited),
// one probe per TTL from 1.
func mkRound(target string, probes ...string) Result {
	res := Result{Addr: netip.MustParseAddr(target), Protocol: ICMP}
	for i, s := range probes {
		p := Probe{ICMPType: -1, ICMPCode: -1}
		switch s {
		case "*":
			p.Timeout = true
		case "RL":
			p.RateLimited = true
		default:
			var addr string
			var ms int
			at := strings.IndexByte(s, '@')
			addr, _ = s[:at], 0
			fmt.Sscan(s[at+1:], &ms)
			p.Addr, p.RTT = netip.MustParseAddr(addr), time.Duration(ms)*time.Millisecond
			if addr == target {
				res.Reached, res.EndReason = true, EndReached
			}
		}
		res.Hops = append(res.Hops, Hop{TTL: i + 1, Probes: []Probe{p}})
	}
	if res.EndReason == "" {
		res.EndReason = EndMaxTTL
	}
	return res
}

// rows renders a report as "ttl:addr sent/received/ratelimited/forward".
func rows(r Report) string {
	var b []string
	for _, h := range r.Hops {
		a := "???"
		if len(h.Addrs) > 0 {
			a = h.Addrs[0].String()
		}
		b = append(b, fmt.Sprintf("%d:%s %d/%d/%d/%d", h.TTL, a, h.Sent, h.Received, h.RateLimited, h.ForwardLost))
	}
	return strings.Join(b, " ")
}

func TestSummarizeReadsThePath(t *testing.T) {
	const t4 = "198.18.4.2"
	r1, r2, r3 := "198.18.1.2@1", "198.18.2.2@2", "198.18.3.2@3"
	cases := []struct {
		name   string
		rounds []Result
		want   string
		k      int
	}{{
		// The phantom: TTL 4 lost in a round whose TTL 5 probe
		// reached the target. The target is hop 4 in both rounds.
		// Its answer at TTL 5 only says where the target is: counted, it
		// would hide the loss at TTL 4 (TTL 5 was probed because of it).
		name:   "target answering past a lost probe is one hop, that probe lost",
		rounds: []Result{mkRound(t4, r1, r2, r3, "*", t4+"@5"), mkRound(t4, r1, r2, r3, t4+"@4")},
		want:   "1:198.18.1.2 2/2/0/0 2:198.18.2.2 2/2/0/0 3:198.18.3.2 2/2/0/0 4:198.18.4.2 2/1/0/1",
		k:      4,
	}, {
		// A first round that never saw the target probed TTLs up to the
		// maximum: they were all probes to the target, and one sample of
		// it, lost.
		name: "no rows after the target however far a round probed",
		rounds: []Result{mkRound(t4, r1, r2, r3, "*", "*", "*", "*", "*", "*"),
			mkRound(t4, r1, r2, r3, t4+"@4"), mkRound(t4, r1, r2, r3, t4+"@4")},
		want: "1:198.18.1.2 3/3/0/0 2:198.18.2.2 3/3/0/0 3:198.18.3.2 3/3/0/0 4:198.18.4.2 3/2/0/1",
		k:    4,
	}, {
		// Hop 2 silent while later hops answer: it did not answer, the
		// path carried the probe (no forward loss). Hop 2 and everything
		// after lost: forward loss at hop 2, and at 3 and the target.
		name: "forward loss only when every later probe of the round was lost",
		rounds: []Result{mkRound(t4, r1, "*", r3, t4+"@4"), mkRound(t4, r1, "*", "*", "*"),
			mkRound(t4, r1, r2, "*", t4+"@4")},
		want: "1:198.18.1.2 3/3/0/0 2:198.18.2.2 3/1/0/1 3:198.18.3.2 3/1/0/1 4:198.18.4.2 3/2/0/1",
		k:    4,
	}, {
		name:   "a rate-limited target probe stays rate-limited",
		rounds: []Result{mkRound(t4, r1, r2, r3, t4+"@4"), mkRound(t4, r1, r2, r3, "RL", "*")},
		want:   "1:198.18.1.2 2/2/0/0 2:198.18.2.2 2/2/0/0 3:198.18.3.2 2/2/0/0 4:198.18.4.2 2/1/1/0",
		k:      4,
	}, {
		name:   "a target that never answered leaves the rows as probed",
		rounds: []Result{mkRound(t4, r1, "*", "*")},
		want:   "1:198.18.1.2 1/1/0/0 2:??? 1/0/0/1 3:??? 1/0/0/1",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := Summarize(tc.rounds)
			if got := rows(rep); got != tc.want {
				t.Errorf("report\n got %s\nwant %s", got, tc.want)
			}
			if rep.TargetTTL != tc.k {
				t.Errorf("target TTL %d, want %d", rep.TargetTTL, tc.k)
			}
		})
	}
}

// TestReportRoundsOverlap runs rounds far more often than the path's RTT
// on the fake path: each must still be read on its own, with its own
// tokens, every answer given to its probe (the RTTs say so), and no hop
// after the target.
func TestReportRoundsOverlap(t *testing.T) {
	for _, proto := range Protocols() {
		t.Run(proto.String(), func(t *testing.T) {
			p := newFakePath(proto, false, time.Millisecond, 81*time.Millisecond, 82*time.Millisecond, 83*time.Millisecond)
			rep, started := runFakeReport(t, p, withReportConfig(func(c *Config) { c.Protocol, c.Port = proto, proto.DefaultPort() }),
				Rounds{Count: 40, Interval: 10 * time.Millisecond})
			if started != 40 || rep.Rounds != 40 {
				t.Fatalf("%d rounds started, %d in the report", started, rep.Rounds)
			}
			if len(rep.Hops) != 4 || rep.TargetTTL != 4 || !rep.Reached {
				t.Fatalf("report %s, target TTL %d", rows(rep), rep.TargetTTL)
			}
			for i, h := range rep.Hops {
				if h.Sent != 40 || h.Received != 40 {
					t.Errorf("hop %d: %d of %d answered", h.TTL, h.Received, h.Sent)
				}
				want := p.hops[i].rtt
				if h.Best != want || h.Worst != want {
					t.Errorf("hop %d: RTT %v..%v, want %v: an answer went to another round's probe", h.TTL, h.Best, h.Worst, want)
				}
			}
		})
	}
}

// TestReportLossOnALink drops a quarter of the probes crossing link 3, at
// random: hops 1 and 2 see no loss, hop 3 and the target a quarter each,
// and only the rounds that lost every probe from a hop on count forward
// loss there.
func TestReportLossOnALink(t *testing.T) {
	p := newFakePath(ICMP, false, time.Millisecond, 2*time.Millisecond, 40*time.Millisecond, 41*time.Millisecond)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	p.lose = func(j int) bool {
		mu.Lock()
		defer mu.Unlock()
		return j == 3 && rng.IntN(4) == 0
	}
	rep, _ := runFakeReport(t, p, withReportConfig(func(c *Config) { c.Protocol, c.Port = ICMP, ICMP.DefaultPort() }), Rounds{Count: 400, Interval: 5 * time.Millisecond})
	if len(rep.Hops) != 4 {
		t.Fatalf("report %s", rows(rep))
	}
	for _, h := range rep.Hops[:2] {
		if h.Lost() != 0 {
			t.Errorf("hop %d lost %d before the lossy link", h.TTL, h.Lost())
		}
	}
	for _, h := range rep.Hops[2:] {
		if l := h.LossPct(); l < 19 || l > 31 {
			t.Errorf("hop %d: %.1f%% loss, the link drops 25%%: %s", h.TTL, l, rows(rep))
		}
	}
	target := rep.Hops[3]
	if target.ForwardLost != target.Lost() {
		t.Errorf("every loss at the target is forward loss: %d of %d", target.ForwardLost, target.Lost())
	}
	if h3 := rep.Hops[2]; h3.ForwardLost >= h3.Lost() {
		t.Errorf("hop 3's losses followed by a target answer are not forward loss: %d of %d", h3.ForwardLost, h3.Lost())
	}
}

// withReportConfig is DefaultReportConfig changed by set.
func withReportConfig(set func(*Config)) Config {
	c := DefaultReportConfig()
	set(&c)
	return c
}

func runFakeReport(t *testing.T, p *fakePath, cfg Config, rc Rounds) (Report, int) {
	t.Helper()
	var rep Report
	var started int
	synctest.Test(t, func(t *testing.T) {
		p.out, p.closed = make(chan reply, 4096), make(chan struct{})
		c, err := cfg.forTarget(p.target)
		if err != nil {
			t.Fatal(err)
		}
		c.horizon, c.report = reportHorizon, true
		p.setFlows(c)
		sess := newSession(p)
		var all []Result
		rc.OnRound = func(_ int, r Result) { all = append(all, r) }
		started, err = drive(context.Background(), c, sess, rc)
		sess.close()
		if err != nil {
			t.Fatal(err)
		}
		rep = Summarize(all)
	})
	return rep, started
}

// TestReportFarHops: hops 150 ms behind a 1 ms first hop answer in every
// round of a report, the first rounds included (they wait for what they do
// not know yet, not three times hop 1's RTT).
func TestReportFarHops(t *testing.T) {
	p := newFakePath(ICMP, false, time.Millisecond, 150*time.Millisecond, 151*time.Millisecond, 152*time.Millisecond)
	rep, _ := runFakeReport(t, p, withReportConfig(func(c *Config) { c.Protocol, c.Port, c.Wait = ICMP, ICMP.DefaultPort(), 2*time.Second }),
		Rounds{Count: 20, Interval: 30 * time.Millisecond})
	for _, h := range rep.Hops {
		if h.Received != 20 {
			t.Errorf("hop %d: %d of %d answered: %s", h.TTL, h.Received, h.Sent, rows(rep))
		}
	}
}

// TestReportSilentEnd: a target that never answers costs the report one
// wait (Config.Wait) once, not one per TTL or per round.
func TestReportSilentEnd(t *testing.T) {
	p := newFakePath(UDP, false, time.Millisecond, 2*time.Millisecond, 3*time.Millisecond)
	p.hops[2].silent = true
	var took time.Duration
	synctest.Test(t, func(t *testing.T) {
		p.out, p.closed = make(chan reply, 4096), make(chan struct{})
		c, err := withReportConfig(func(c *Config) { c.Protocol, c.Port, c.Wait, c.MaxTTL = UDP, UDP.DefaultPort(), 2*time.Second, 10 }).forTarget(p.target)
		if err != nil {
			t.Fatal(err)
		}
		c.horizon, c.report = reportHorizon, true
		p.setFlows(c)
		sess := newSession(p)
		start := time.Now()
		if _, err := drive(context.Background(), c, sess, Rounds{Count: 20, Interval: 30 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		took = time.Since(start)
		sess.close()
	})
	// 20 rounds 30 ms apart, the first waiting 2 s for TTL 3, then the
	// rest of the TTLs at once with short waits.
	if limit := 20*30*time.Millisecond + 2*time.Second + 500*time.Millisecond; took > limit {
		t.Errorf("the report took %v, want at most %v", took, limit)
	}
}

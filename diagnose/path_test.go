package diagnose

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/trace"
)

// synthPath is a path of routers and a target for rule tests: each link
// may drop packets (both ways, at random from a fixed seed), each router
// may drop a share of its own ICMP, answer only a rate-limited few, be
// silent, or be slow to send its ICMP.
type synthPath struct {
	rtt      []time.Duration // RTT to hop k (index k-1); the last is the target
	linkLoss []float64       // drop probability of link k (index k-1), each way
	icmpDrop []float64       // share of its own answers hop k drops
	limited  []bool          // hop k answers 6 at once then one a second (rounds 15 ms apart)
	silent   []bool
	slowICMP []time.Duration // added to hop k's own answers only
	proto    trace.Protocol
	echoOnly float64 // extra loss of echo requests only, on link 3
}

func newSynth(rtts ...time.Duration) *synthPath {
	n := len(rtts)
	return &synthPath{rtt: rtts, linkLoss: make([]float64, n), icmpDrop: make([]float64, n), limited: make([]bool, n),
		silent: make([]bool, n), slowICMP: make([]time.Duration, n), proto: trace.ICMP}
}

func (p *synthPath) addr(k int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(k), 2}) }

// crosses reports whether a packet to hop k and its answer survive the
// links (and, for echo requests, the echo-only filter).
func (p *synthPath) crosses(rng *rand.Rand, k int, echoReq bool) bool {
	for j := 0; j < k; j++ {
		if rng.Float64() < p.linkLoss[j] || rng.Float64() < p.linkLoss[j] {
			return false
		}
		if echoReq && j == 2 && rng.Float64() < p.echoOnly {
			return false
		}
	}
	return true
}

// evidence makes rounds trace rounds (15 ms apart) and an echo stream of
// echoes requests, with a target that is hop len(rtt).
func (p *synthPath) evidence(rounds, echoes int, phantomTTL bool) PathEvidence {
	return p.evidenceSeed(rounds, echoes, phantomTTL, 7)
}

func (p *synthPath) evidenceSeed(rounds, echoes int, phantomTTL bool, seed uint64) PathEvidence {
	rng := rand.New(rand.NewPCG(seed*0x9e3779b97f4a7c15, seed^0x5851f42d4c957f2d))
	n := len(p.rtt)
	target := p.addr(n)
	ev := PathEvidence{Target: "dst", Addr: target, Protocol: p.proto}
	for r := 0; r < rounds; r++ {
		res := trace.Result{Addr: target, Protocol: p.proto, EndReason: trace.EndMaxTTL}
		maxTTL := n
		if phantomTTL && r == 0 {
			maxTTL = n + 1
		}
		for ttl := 1; ttl <= maxTTL; ttl++ {
			k := min(ttl, n)
			pr := trace.Probe{Timeout: true, ICMPType: -1, ICMPCode: -1}
			answers := !p.silent[k-1] && rng.Float64() >= p.icmpDrop[k-1] &&
				(!p.limited[k-1] || r < 6 || r%67 == 0) && p.crosses(rng, k, p.proto == trace.ICMP)
			if phantomTTL && r == 0 && ttl == n {
				answers = false // the round's TTL-n probe is lost, TTL n+1 reaches
			}
			if answers {
				pr = trace.Probe{Addr: p.addr(k), RTT: p.rtt[k-1] + p.slowICMP[k-1], ICMPType: 11, ICMPCode: 0}
				if k == n {
					pr.ICMPType = 0
					res.Reached, res.EndReason = true, trace.EndReached
				}
			}
			res.Hops = append(res.Hops, trace.Hop{TTL: ttl, Probes: []trace.Probe{pr}})
		}
		ev.Rounds = append(ev.Rounds, res)
	}
	if echoes > 0 {
		e := &Echo{Sent: echoes, Interval: 10 * time.Millisecond}
		for i := 0; i < echoes; i++ {
			if p.crosses(rng, n, true) {
				e.Received++
				e.RTTs = append(e.RTTs, p.rtt[n-1]+time.Duration(rng.IntN(200))*time.Microsecond)
			}
		}
		ev.Echo = e
	}
	return ev
}

func kindsAt(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s@%d/%s", f.Kind, f.Hop, f.Severity)
		if f.Inconclusive {
			s += "?"
		}
		out = append(out, s)
	}
	return out
}

var ms4 = []time.Duration{100 * time.Microsecond, 200 * time.Microsecond, 300 * time.Microsecond, 400 * time.Microsecond}

func TestPathRules(t *testing.T) {
	cases := []struct {
		name string
		p    func() *synthPath
		set  func(*Config) // the thresholds, from DefaultConfig
		// phantom: the first round's TTL-4 probe is lost and TTL 5
		// reaches the target.
		phantom bool
		want    []string
		status  string
	}{{
		name: "clean path",
		p:    func() *synthPath { return newSynth(ms4...) },
		want: nil, status: "ok",
	}, {
		name:    "the target answering past a lost probe is one hop, not two",
		p:       func() *synthPath { return newSynth(ms4...) },
		phantom: true,
		want:    nil, status: "ok",
	}, {
		name: "30% loss on link 3 starts at hop 3",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.linkLoss[2] = 0.15
			return p
		},
		want: []string{"path_loss@3/warning"}, status: "warning",
	}, {
		name: "10% loss on link 3 starts at hop 3",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.linkLoss[2] = 0.05
			return p
		},
		want: []string{"path_loss@3/warning"}, status: "warning",
	}, {
		name: "loss on the last link is at the target",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.linkLoss[3] = 0.15
			return p
		},
		want: []string{"path_loss@4/warning"}, status: "warning",
	}, {
		name: "a router dropping 60% of its own ICMP is rate limiting, never path loss",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.icmpDrop[1] = 0.6
			return p
		},
		want: []string{"hop_icmp_ratelimit@2/info"}, status: "ok",
	}, {
		name: "a silent router is no loss",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.silent[1] = true
			return p
		},
		want: nil, status: "ok",
	}, {
		name: "loss behind rate-limited routers: confident, placed no closer than the evidence allows",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.limited[0], p.limited[1], p.limited[2] = true, true, true
			p.linkLoss[2] = 0.15
			return p
		},
		want:   []string{"path_loss@0/warning", "hop_icmp_ratelimit@1/info", "hop_icmp_ratelimit@2/info", "hop_icmp_ratelimit@3/info"},
		status: "warning",
	}, {
		name: "loss near the threshold is inconclusive, never OK",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.linkLoss[3] = 0.01
			return p
		},
		want: []string{"path_loss@0/info?"}, status: "unknown",
	}, {
		name: "a black-holed target is critical",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.linkLoss[3] = 1
			return p
		},
		want: []string{"target_unreachable@0/critical"}, status: "critical",
	}, {
		name: "80 ms added at hop 2 and kept: distance, information",
		p: func() *synthPath {
			return newSynth(100*time.Microsecond, 80*time.Millisecond, 80100*time.Microsecond, 80200*time.Microsecond)
		},
		want: []string{"latency_jump@2/info"}, status: "ok",
	}, {
		name: "the same jump over --max-rtt is a warning",
		p: func() *synthPath {
			return newSynth(100*time.Microsecond, 80*time.Millisecond, 80100*time.Microsecond, 80200*time.Microsecond)
		},
		set:  func(c *Config) { c.MaxRTT = 50 * time.Millisecond },
		want: []string{"latency_jump@2/warning"}, status: "warning",
	}, {
		name: "latency on the first link is added at hop 1",
		p: func() *synthPath {
			return newSynth(20*time.Millisecond, 20100*time.Microsecond, 20200*time.Microsecond, 20300*time.Microsecond)
		},
		want: []string{"latency_jump@1/info"}, status: "ok",
	}, {
		name: "a router slow to send its own ICMP is not a jump",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.slowICMP[1] = 50 * time.Millisecond
			return p
		},
		want: []string{"hop_icmp_ratelimit@2/info"}, status: "ok",
	}, {
		name: "loss of echo requests only, traced with udp: confident, place unknown",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.proto, p.echoOnly = trace.UDP, 0.3
			return p
		},
		want: []string{"path_loss@0/warning"}, status: "warning",
	}, {
		name: "loss traced with udp to a target that rate-limits its port unreachables: confident, place unknown",
		p: func() *synthPath {
			p := newSynth(ms4...)
			p.proto, p.limited[3], p.linkLoss[2] = trace.UDP, true, 0.15
			return p
		},
		want: []string{"path_loss@0/warning", "hop_icmp_ratelimit@4/info"}, status: "warning",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.p().evidence(200, 300, tc.phantom)
			cfg := DefaultConfig()
			if tc.set != nil {
				tc.set(&cfg)
			}
			fs := Path(ev, cfg)
			Sort(fs)
			got := kindsAt(fs)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("findings %v, want %v", got, tc.want)
				for _, f := range fs {
					t.Logf("%s", f.Summary)
				}
			}
			if st := Overall(fs, false).String(); st != tc.status {
				t.Errorf("status %s, want %s", st, tc.status)
			}
			rep := trace.Summarize(ev.Rounds)
			if last := rep.Hops[len(rep.Hops)-1].TTL; rep.TargetTTL > 0 && last != rep.TargetTTL {
				t.Errorf("a hop %d after the target's hop %d", last, rep.TargetTTL)
			}
		})
	}
}

func TestWilson(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 27.75}, {0, 300, 0, 1.26}, {1, 300, 0.06, 1.86}, {30, 300, 7.10, 13.92}, {10, 10, 72.25, 100},
	}
	for _, c := range cases {
		lo, hi := Sample{K: c.k, N: c.n}.Interval()
		if d := lo - c.lo; d > 0.01 || d < -0.01 {
			t.Errorf("%d of %d: low %.3f, want %.2f", c.k, c.n, lo, c.lo)
		}
		if d := hi - c.hi; d > 0.01 || d < -0.01 {
			t.Errorf("%d of %d: high %.3f, want %.2f", c.k, c.n, hi, c.hi)
		}
	}
	if !(Sample{K: 0, N: 300}).Below(2) || !(Sample{K: 1, N: 300}).Below(2) || (Sample{K: 2, N: 300}).Below(2) {
		t.Error("with 300 probes, 0 or 1 lost must be below 2 % and 2 lost must not")
	}
	if !(Sample{K: 11, N: 300}).Above(2) {
		t.Error("11 of 300 lost must be above 2 %")
	}
}

func TestTrialsToDecide(t *testing.T) {
	cases := []struct {
		s    Sample
		pct  float64
		want int
	}{
		{Sample{0, 185}, 2, 190},  // 0 lost: the interval's top must fall below 2 %
		{Sample{8, 300}, 2, 1710}, // 2.7 %: the interval must clear 2 % from above
		{Sample{6, 300}, 2, 0},    // exactly 2 %: nothing decides
	}
	for _, c := range cases {
		n := c.s.trialsToDecide(c.pct)
		if n != c.want {
			t.Errorf("%d of %d against %g%%: %d trials, want %d", c.s.K, c.s.N, c.pct, n, c.want)
		}
		if n > 0 {
			x := Sample{K: int(math.Round(float64(c.s.K) / float64(c.s.N) * float64(n))), N: n}
			if !x.Above(c.pct) && !x.Below(c.pct) {
				t.Errorf("%d of %d: %d trials at the same rate still do not decide", c.s.K, c.s.N, n)
			}
		}
	}
}

// TestPathRulesOverSeeds runs the loss scenarios over 1000 random draws
// each (fixed seeds): the verdict and the place must be right in every
// one, as the lab scenarios must be in every run. A rule whose comparisons
// were too loose or too strict for the samples fails here first.
func TestPathRulesOverSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 draws per scenario")
	}
	cases := []struct {
		name string
		p    func() *synthPath
		want string
	}{
		{"clean", func() *synthPath { return newSynth(ms4...) }, ""},
		{"10% echo only on link 3", func() *synthPath { p := newSynth(ms4...); p.echoOnly = 0.10; return p }, "path_loss@3/warning"},
		{"10% each way on link 3", func() *synthPath { p := newSynth(ms4...); p.linkLoss[2] = 0.10; return p }, "path_loss@3/warning"},
		{"30% each way on link 3", func() *synthPath { p := newSynth(ms4...); p.linkLoss[2] = 0.30; return p }, "path_loss@3/warning"},
		{"30% each way on the last link", func() *synthPath { p := newSynth(ms4...); p.linkLoss[3] = 0.30; return p }, "path_loss@4/warning"},
		{"router 2 drops 60% of its ICMP", func() *synthPath { p := newSynth(ms4...); p.icmpDrop[1] = 0.6; return p }, "hop_icmp_ratelimit@2/info"},
	}
	for _, tc := range cases {
		wrong := 0
		for seed := range uint64(1000) {
			fs := Path(tc.p().evidenceSeed(200, 300, false, seed+100), DefaultConfig())
			Sort(fs)
			if got := strings.Join(kindsAt(fs), " "); got != tc.want {
				if wrong++; wrong <= 3 {
					t.Errorf("%s, seed %d: %q, want %q", tc.name, seed+100, got, tc.want)
				}
			}
		}
		if wrong > 0 {
			t.Errorf("%s: %d of 1000 draws wrong", tc.name, wrong)
		}
	}
}

// TestPathLossUntraced: echo loss before any trace ran (watch's first
// minute, or --path-interval 0) is not yet placed; it is not the trace's
// probes that failed to reach the target, which they did not try to.
func TestPathLossUntraced(t *testing.T) {
	p := newSynth(ms4...)
	p.linkLoss[2] = 0.15
	for _, c := range []struct {
		rounds     int
		want, not  string
		headlineOK string
	}{
		{0, "not yet placed", "never reached", "not yet placed"},
		{200, "", "not yet placed", ""},
	} {
		ev := p.evidence(c.rounds, 300, false)
		if c.rounds > 0 {
			// The trace's probes never reach the target.
			p2 := *p
			p2.silent = []bool{false, false, false, true}
			ev.Rounds = p2.evidence(c.rounds, 0, false).Rounds
			c.want = "never reached"
		}
		var loss *Finding
		fs := Path(ev, DefaultConfig())
		for i := range fs {
			if fs[i].Kind == KindPathLoss {
				loss = &fs[i]
			}
		}
		if loss == nil || loss.Severity != Warning {
			t.Fatalf("%d rounds: findings %v, want a path_loss warning", c.rounds, kindsAt(fs))
		}
		if !strings.Contains(loss.Summary, c.want) || strings.Contains(loss.Summary, c.not) {
			t.Errorf("%d rounds: %q, want %q and not %q", c.rounds, loss.Summary, c.want, c.not)
		}
		if !strings.Contains(loss.Headline, c.headlineOK) {
			t.Errorf("%d rounds: headline %q", c.rounds, loss.Headline)
		}
	}
}

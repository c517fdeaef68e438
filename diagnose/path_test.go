package diagnose

import (
	"net/netip"
	"testing"
	"time"

	"netdx/trace"
)

// hop builds a report hop: sent/received probes and an average RTT in ms.
func hop(ttl int, addr string, sent, received int, avgMS float64) trace.ReportHop {
	h := trace.ReportHop{TTL: ttl, Sent: sent, Received: received}
	if received > 0 {
		d := time.Duration(avgMS * float64(time.Millisecond))
		h.Addrs = []netip.Addr{netip.MustParseAddr(addr)}
		h.Avg, h.Best, h.Worst, h.Last = d, d, d, d
	}
	return h
}

func report(reached bool, hops ...trace.ReportHop) trace.Report {
	return trace.Report{Target: "dst", Addr: netip.MustParseAddr("198.18.4.2"), Protocol: "udp", Rounds: 10,
		Reached: reached, EndReason: map[bool]string{true: "reached", false: "max_ttl"}[reached], Hops: hops}
}

func kinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+"@"+string(rune('0'+f.Hop))+"/"+f.Severity.String())
	}
	return out
}

func TestPathRules(t *testing.T) {
	cases := []struct {
		name string
		r    trace.Report
		cfg  Config
		want []string
	}{{
		name: "clean path",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 10, 0.2), hop(3, "198.18.4.2", 10, 10, 0.3)),
		want: nil,
	}, {
		name: "80 ms added at hop 2 and kept: distance, info without a threshold",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 10, 80.2), hop(3, "198.18.4.2", 10, 10, 80.3)),
		want: []string{"latency_jump@2/info"},
	}, {
		name: "the same jump over --max-rtt is a warning",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 10, 80.2), hop(3, "198.18.4.2", 10, 10, 80.3)),
		cfg:  Config{MaxRTT: 50 * time.Millisecond},
		want: []string{"latency_jump@2/warning"},
	}, {
		name: "a slow hop whose later hops are fast deprioritises its ICMP",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 10, 40), hop(3, "198.18.4.2", 10, 10, 0.4)),
		want: []string{"hop_icmp_ratelimit@2/info"},
	}, {
		name: "loss at one hop only is its ICMP rate limit",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 4, 0.2), hop(3, "198.18.4.2", 10, 10, 0.3)),
		want: []string{"hop_icmp_ratelimit@2/info"},
	}, {
		name: "loss that starts at hop 2 and carries on is real, reported once where it starts",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 7, 0.2), hop(3, "198.18.3.2", 10, 6, 0.2), hop(4, "198.18.4.2", 10, 7, 0.3)),
		want: []string{"path_loss@2/warning"},
	}, {
		name: "loss under --max-loss is information",
		r:    report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.4.2", 10, 9, 0.3)),
		cfg:  Config{MaxLossPct: 20},
		want: []string{"path_loss@2/info"},
	}, {
		name: "an unreachable names the hop and is critical",
		r: func() trace.Report {
			r := report(false, hop(1, "198.18.1.2", 3, 3, 0.1), hop(2, "198.18.2.2", 3, 3, 0.2))
			r.Hops[1].Annotation = "!X"
			r.EndReason = "unreachable"
			return r
		}(),
		want: []string{"unreachable@2/critical"},
	}, {
		name: "a target that never answered is critical, nothing else is judged",
		r:    report(false, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 5, 30), hop(3, "", 10, 0, 0)),
		want: []string{"target_unreachable@0/critical"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := kinds(Path(tc.r, tc.cfg))
			if len(got) != len(tc.want) {
				t.Fatalf("findings %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("findings %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// One slow first probe (neighbour resolution across the slow link) lifts
// the target's average by 16 ms but not its best: no second jump.
func TestLatencyOutlierIsNoJump(t *testing.T) {
	target := hop(3, "198.18.3.2", 5, 5, 97.5)
	target.Best = 80500 * time.Microsecond
	r := report(true, hop(1, "198.18.1.2", 5, 5, 0.03), hop(2, "198.18.2.2", 5, 5, 80.4), target)
	got := kinds(Path(r, Config{}))
	if len(got) != 1 || got[0] != "latency_jump@2/info" {
		t.Errorf("findings %v, want only the jump at hop 2", got)
	}
}

func TestLatencyJumpEvidence(t *testing.T) {
	r := report(true, hop(1, "198.18.1.2", 10, 10, 0.1), hop(2, "198.18.2.2", 10, 10, 80.2), hop(3, "198.18.4.2", 10, 10, 80.3))
	fs := Path(r, Config{})
	if len(fs) != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	f := fs[0]
	if f.Addr != "198.18.2.2" || f.DeltaMS != 80.1 || f.Persists == nil || !*f.Persists {
		t.Errorf("finding %+v: want addr 198.18.2.2, delta 80.1 ms, persists", f)
	}
}

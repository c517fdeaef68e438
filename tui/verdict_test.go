package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"netdx/diagnose"
	"netdx/trace"
)

// TestVerdictFromEvidence: the verdict lines on screen are diagnose.Path's
// findings over the snapshot, one line each with its label, where the
// trouble starts and how sure that is.
func TestVerdictFromEvidence(t *testing.T) {
	few := clean4
	few.echoSent, few.echoLost = 40, func(i int) bool { return i == 7 }
	quiet := clean4
	quiet.echoSent = 150
	dead := path{rtt: clean4.rtt, fwdLoss: func(int) int { return 1 }, echoSent: 50, echoLost: func(int) bool { return true }}
	maxRTT50 := diagnose.DefaultConfig()
	maxRTT50.MaxRTT = 50 * time.Millisecond
	cases := []struct {
		name string
		p    path
		cfg  diagnose.Config
		want []string
	}{
		{"loss from hop 3", lossy, diagnose.DefaultConfig(), []string{
			"WARNING  loss starts at hop 3 (198.18.3.2) and carries on to the target: 33.5% lost (95%: 29.1–38.3%, 134 of 400 echo requests), above --max-loss 2%",
		}},
		{"hop 2 rate-limits", limiting, diagnose.DefaultConfig(), []string{
			"INFO     hop 2 (198.18.2.2) only rate-limits its ICMP: 50% unanswered (95%: 40–60%, of 100), later hops lose at most 3.7%",
		}},
		{"80 ms at hop 2", slow, diagnose.DefaultConfig(), []string{
			"INFO     79.9 ms added at hop 2 (198.18.2.2), kept to the target (best 80.2, median 80.2 ms over 400)",
		}},
		{"80 ms at hop 2, over --max-rtt", slow, maxRTT50, []string{
			"WARNING  79.9 ms added at hop 2 (198.18.2.2), kept to the target (best 80.2, median 80.2 ms over 400); above --max-rtt 50 ms",
		}},
		{"too few echo requests", few, diagnose.DefaultConfig(), []string{
			"UNKNOWN  loss starts by hop 4; the hops before it cannot place it: inconclusive so far, 2.5% lost (95%: 0.4–12.9%, 1 of 40 echo requests); about",
		}},
		{"no loss yet, too few to tell", quiet, diagnose.DefaultConfig(), []string{
			"UNKNOWN  no loss so far, but too few requests to rule out --max-loss 2%: inconclusive so far, 0 of 150 echo requests lost (95%: 0.0–2.5%); about 190 would decide",
		}},
		{"clean", clean4, diagnose.DefaultConfig(), []string{
			"OK       no loss or latency step found so far: 0 of 400 echo requests lost (95%: 0.0–1.0%)",
		}},
		{"dead", dead, diagnose.DefaultConfig(), []string{
			"CRITICAL the target never answered (100 rounds, 50 echo requests)",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := one(tc.p)
			cfg.Diagnose = tc.cfg
			m := feed(t, New(cfg), tea.WindowSizeMsg{Width: 220, Height: 50}, SnapshotMsg{Snapshot: tc.p.snapshot(100)})
			s := screen(m)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("no verdict line %q in\n%s", w, s)
				}
			}
			// One line per finding, and the same findings as diagnose.
			fs := diagnose.Path(tc.p.snapshot(100).Evidence, tc.cfg)
			lines := m.tabs[0].verdict()
			if len(fs) > 0 && len(lines) != len(fs) {
				t.Errorf("%d verdict lines for %d findings", len(lines), len(fs))
			}
			for _, f := range fs {
				if f.Hop > 0 && !strings.Contains(s, fmt.Sprintf("hop %d", f.Hop)) {
					t.Errorf("%s at hop %d: the screen does not name the hop", f.Kind, f.Hop)
				}
			}
		})
	}
}

// TestVerdictGrows: as evidence grows the verdict goes from inconclusive
// to decided, on the same path.
func TestVerdictGrows(t *testing.T) {
	p := clean4
	p.echoLost = func(i int) bool { return i%20 == 0 } // 5 %
	var labels []string
	for _, n := range []int{20, 60, 400} {
		p.echoSent = n
		m := feed(t, New(one(p)), SnapshotMsg{Snapshot: p.snapshot(n / 4)})
		labels = append(labels, m.tabs[0].verdict()[0].label)
	}
	if labels[0] != "UNKNOWN" || labels[2] != "WARNING" {
		t.Errorf("labels as the sample grows: %v, want UNKNOWN first, WARNING at 400", labels)
	}
}

// TestUnreachableMark: a !X on the way is critical and named with its hop.
func TestUnreachableMark(t *testing.T) {
	p := path{rtt: clean4.rtt[:3], mark: map[int]string{3: "!X"}, echoSent: 0}
	snap := p.snapshot(10)
	for i := range snap.Evidence.Rounds {
		r := &snap.Evidence.Rounds[i]
		r.Addr, r.Reached, r.EndReason = hop(4), false, trace.EndUnreachable
		r.Hops[2].Probes[0].ICMPType, r.Hops[2].Probes[0].ICMPCode = 3, 13
	}
	snap.Evidence.Addr = hop(4)
	m := feed(t, New(withConfig(func(c *Config) { c.Targets = []Target{{Name: "dst", Addr: hop(4)}} })), tea.WindowSizeMsg{Width: 160, Height: 30}, SnapshotMsg{Snapshot: snap})
	s := screen(m)
	if !strings.Contains(s, "CRITICAL hop 3 (198.18.3.2) answers !X: the path ends there") || !strings.Contains(s, "  3. 198.18.3.2 !X") {
		t.Errorf("unreachable:\n%s", s)
	}
}

// TestHistoryOutcomes: each round is read per hop as Summarize reads it.
func TestHistoryOutcomes(t *testing.T) {
	a := func(k int) trace.Probe { return trace.Probe{Addr: hop(k), RTT: time.Duration(k) * time.Millisecond} }
	none := trace.Probe{Timeout: true}
	rl := trace.Probe{RateLimited: true}
	res := trace.Result{Addr: hop(4), Hops: []trace.Hop{
		{TTL: 1, Probes: []trace.Probe{a(1)}},
		{TTL: 2, Probes: []trace.Probe{none}}, // silent: hop 3 answers
		{TTL: 3, Probes: []trace.Probe{a(3)}},
		{TTL: 4, Probes: []trace.Probe{rl}},
		{TTL: 5, Probes: []trace.Probe{none}},
	}}
	got := roundPoints(res, 0)
	want := map[int]outcome{1: answered, 2: silent, 3: answered, 4: limited, 5: lost}
	for ttl, k := range want {
		if got[ttl].kind != k {
			t.Errorf("TTL %d: %d, want %d", ttl, got[ttl].kind, k)
		}
	}
	// The target at hop 4 answered at TTL 5 in this round: folded.
	res.Hops[4].Probes = []trace.Probe{{Addr: hop(4), RTT: 4 * time.Millisecond}}
	got = roundPoints(res, 4)
	if got[4].kind != answered || got[4].rtt != 4*time.Millisecond || len(got) != 4 {
		t.Errorf("folded target: %+v", got)
	}
	if s := strip([]point{got[1], got[2], got[3], got[4], {kind: lost}, {kind: limited}}, 8, 4*time.Millisecond); s != "  ▃.▆█?-" {
		t.Errorf("strip %q", s)
	}
}

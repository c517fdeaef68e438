package tui

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/probe"
	"netdx/trace"
)

// historyLen is how many of the last rounds a hop's history holds.
const historyLen = 200

// outcome is what one round saw of one hop, for the history strip.
type outcome byte

const (
	notProbed outcome = iota // the round did not probe this TTL
	answered                 // an answer, with its RTT
	silent                   // no answer, but a later hop of the round answered: the hop's ICMP, not loss
	limited                  // no answer from a hop that answered others (rate-limited)
	lost                     // no answer, nor from any later hop: forward loss
)

type point struct {
	rtt  time.Duration
	kind outcome
}

// hopRow is one hop of the table, read from the window as diagnose reads
// it (trace.Summarize).
type hopRow struct {
	ttl                    int
	addrs                  []netip.Addr
	isTarget               bool
	sent                   int
	lossPct                float64 // forward loss, %
	received               int
	last, avg, best, worst time.Duration
	stdev, jitter          time.Duration
	mark                   string // last unreachable mark, "!H"
	mpls                   string // the latest MPLS label stack
	history                []point
}

// tab is one target's state: the last snapshot and what is read from it.
type tab struct {
	target   Target
	snap     check.Snapshot
	have     bool // a snapshot arrived since the start or the last reset
	resets   int  // the resets asked for: older snapshots are dropped
	rep      trace.Report
	rows     []hopRow
	findings []diagnose.Finding
	echo     *diagnose.Echo
	err      string
}

// take reads a snapshot: the report, the verdict and the rows. Everything
// the view shows is computed here, once per round.
func (t *tab) take(s check.Snapshot, cfg diagnose.Config) {
	t.snap, t.have = s, true
	ev := s.Evidence
	t.rep = trace.Summarize(ev.Rounds)
	t.rep.Target = t.target.Name
	t.findings = diagnose.Path(ev, cfg)
	diagnose.Sort(t.findings)
	t.echo = ev.Echo
	t.rows = t.rows[:0]
	for _, h := range t.rep.Hops {
		r := hopRow{ttl: h.TTL, addrs: h.Addrs, isTarget: h.TTL == t.rep.TargetTTL, sent: h.Sent,
			lossPct: h.FwdLossPct(), received: h.Received, last: h.Last, avg: h.Avg, best: h.Best, worst: h.Worst,
			stdev: h.StDev, mark: h.Annotation}
		if st := probe.Summarise(h.RTTs); st != nil {
			r.jitter = time.Duration(st.Jitter * float64(time.Millisecond))
		}
		t.rows = append(t.rows, r)
	}
	t.fillHistory(ev.Rounds)
	t.fillMPLS(ev.Rounds)
}

// clear forgets the evidence (a reset).
func (t *tab) clear() {
	*t = tab{target: t.target, resets: t.resets}
}

// fillHistory gives each row the outcomes of its TTL in the last rounds,
// oldest first, the target's TTLs folded into its hop as Summarize folds
// them.
func (t *tab) fillHistory(rounds []trace.Result) {
	rounds = rounds[max(0, len(rounds)-historyLen):]
	idx := map[int]int{}
	for i, r := range t.rows {
		idx[r.ttl] = i
		t.rows[i].history = make([]point, len(rounds))
	}
	k := t.rep.TargetTTL
	for ri, res := range rounds {
		for ttl, p := range roundPoints(res, k) {
			if i, ok := idx[ttl]; ok {
				t.rows[i].history[ri] = p
			}
		}
	}
}

// roundPoints reads one round: an outcome per TTL probed, with the TTLs at
// and beyond the target's hop k (if known) folded into k.
func roundPoints(res trace.Result, k int) map[int]point {
	out := map[int]point{}
	var laterAnswer bool
	for i := len(res.Hops) - 1; i >= 0; i-- {
		h := res.Hops[i]
		ttl := h.TTL
		if k > 0 && ttl > k {
			ttl = k
		}
		p := point{kind: lost}
		for _, pr := range h.Probes {
			switch {
			case pr.Answered() && p.kind != answered:
				p = point{rtt: pr.RTT, kind: answered}
			case pr.RateLimited && p.kind == lost:
				p.kind = limited
			}
		}
		if p.kind == lost && laterAnswer {
			p.kind = silent
		}
		if p.kind == answered {
			laterAnswer = true
		}
		// Folded TTLs: the lowest TTL's answer counts, else any answer.
		if prev, ok := out[ttl]; ok && (prev.kind == answered && p.kind != answered) {
			continue
		}
		out[ttl] = p
	}
	return out
}

// fillMPLS gives each row the MPLS label stack of its latest answer that
// carried one.
func (t *tab) fillMPLS(rounds []trace.Result) {
	for i := range t.rows {
		t.rows[i].mpls = ""
	}
	need := len(t.rows)
	for ri := len(rounds) - 1; ri >= 0 && need > 0; ri-- {
		for _, h := range rounds[ri].Hops {
			for _, p := range h.Probes {
				if p.Extensions == nil || len(p.Extensions.MPLS) == 0 {
					continue
				}
				for i := range t.rows {
					if t.rows[i].ttl == h.TTL && t.rows[i].mpls == "" {
						t.rows[i].mpls = mplsText(p.Extensions.MPLS)
						need--
					}
				}
			}
		}
	}
}

// mplsText is the label stack as netdx trace prints it.
func mplsText(ls []trace.MPLSLabel) string {
	var b strings.Builder
	for i, l := range ls {
		if i == maxLabels {
			fmt.Fprintf(&b, " +%d", len(ls)-i)
			break
		}
		s := 0
		if l.S {
			s = 1
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "<MPLS:L=%d,E=%d,S=%d,T=%d>", l.Label, l.TC, s, l.TTL)
	}
	return b.String()
}

// maxLabels is how many labels of a stack a row shows.
const maxLabels = 3

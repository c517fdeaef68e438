package diagnose

import (
	"fmt"
	"time"

	"netdx/trace"
)

// minRTTSamples is how many answers a hop needs before its best RTT says
// where latency is added: one or two answers of a rate-limited router may
// all be slow ones.
const minRTTSamples = 5

// rttPoint is a hop (or this host, ttl 0) in the latency reading.
type rttPoint struct {
	ttl      int
	addr     string
	isTarget bool
	rtt      rttSummary
}

// latencyPoints are the hops with enough answers, then the target, whose
// RTTs are the echo stream's (with the trace's best when lower).
func (r *reading) latencyPoints() []rttPoint {
	var pts []rttPoint
	for _, h := range r.hops {
		if !h.isTarget && h.rtt.N >= minRTTSamples {
			pts = append(pts, rttPoint{ttl: h.ttl, addr: h.addr, rtt: h.rtt})
		}
	}
	t, ok := r.targetHop()
	tp := rttPoint{ttl: t.ttl, addr: t.addr, isTarget: true, rtt: t.rtt}
	if !ok {
		tp.addr = r.addr.String()
	}
	if r.echo != nil && len(r.echo.RTTs) > 0 {
		e := summarizeRTTs(r.echo.RTTs)
		if ok && t.rtt.N > 0 {
			e.Best = min(e.Best, t.rtt.Best)
		}
		tp.rtt = e
	}
	if tp.rtt.N >= minRTTSamples || (tp.rtt.N > 0 && len(pts) == 0) {
		pts = append(pts, tp)
	}
	return pts
}

func (r *reading) latencyFindings(cfg Config) []Finding {
	pts := r.latencyPoints()
	if len(pts) == 0 {
		return nil
	}
	target := pts[len(pts)-1]
	var out []Finding
	base := rttPoint{}
	biggest, biggestFrom, biggestDelta := -1, rttPoint{}, time.Duration(-1)
	for i, h := range pts {
		delta := h.rtt.Best - base.rtt.Best
		if delta > biggestDelta && target.isTarget {
			biggest, biggestFrom, biggestDelta = i, base, delta
		}
		if delta < cfg.Jump {
			base = h
			continue
		}
		carried := true
		for _, g := range pts[i+1:] {
			carried = carried && g.rtt.Best-base.rtt.Best >= delta/2
		}
		if !carried {
			out = append(out, r.slowICMP(base, h, delta))
			continue
		}
		out = append(out, r.jump(base, h, target, delta))
		base = h
	}
	if cfg.MaxRTT == NoMaxRTT || !target.isTarget {
		return out
	}
	// --max-rtt judges the target's median by its interval; the finding
	// that carries the verdict is where most latency is added.
	idx := -1
	for i, f := range out {
		if f.Kind == KindLatencyJump && (idx < 0 || f.DeltaMS > out[idx].DeltaMS) {
			idx = i
		}
	}
	tr := target.rtt
	over := tr.Lo > cfg.MaxRTT
	under := tr.Hi <= cfg.MaxRTT
	if under {
		return out
	}
	if idx < 0 {
		if biggest < 0 {
			return out
		}
		out = append(out, r.jump(biggestFrom, pts[biggest], target, biggestDelta))
		idx = len(out) - 1
	}
	f := &out[idx]
	f.Evidence["max_rtt_ms"] = trace.Millis(cfg.MaxRTT)
	if over {
		f.Severity = Warning
		f.Summary += fmt.Sprintf("; the target's median RTT %.1f ms (95%% interval %.1f–%.1f ms) is above --max-rtt %v",
			msf(tr.Median), msf(tr.Lo), msf(tr.Hi), cfg.MaxRTT)
		f.Headline += fmt.Sprintf("; above --max-rtt %g ms", msf(cfg.MaxRTT))
		return out
	}
	f.Inconclusive = true
	f.Evidence["inconclusive"] = true
	f.Summary += fmt.Sprintf("; the target's median RTT %.1f ms (95%% interval %.1f–%.1f ms) is too close to --max-rtt %v to tell with %d samples",
		msf(tr.Median), msf(tr.Lo), msf(tr.Hi), cfg.MaxRTT, tr.N)
	f.Headline += fmt.Sprintf("; --max-rtt %g ms: inconclusive so far", msf(cfg.MaxRTT))
	return out
}

// name is "hop 2 (198.18.2.2, best 80.1 ms)" with what it adds inside
// the parentheses.
func (p rttPoint) name(extra string) string {
	if p.ttl == 0 && !p.isTarget {
		return "this host"
	}
	return fmt.Sprintf("hop %d (%s%s)", p.ttl, p.addr, extra)
}

// short is "hop 2", or "this host".
func (p rttPoint) short() string {
	if p.ttl == 0 && !p.isTarget {
		return "this host"
	}
	return fmt.Sprintf("hop %d", p.ttl)
}

// jump is latency added at h (from base) and kept to the target.
func (r *reading) jump(base, h, target rttPoint, delta time.Duration) Finding {
	t := target.rtt
	ev := map[string]any{"from_hop": base.ttl, "from_best_ms": trace.Millis(base.rtt.Best),
		"best_ms": trace.Millis(h.rtt.Best), "median_ms": trace.Millis(h.rtt.Median),
		"median_ci95_ms": []float64{trace.Millis(h.rtt.Lo), trace.Millis(h.rtt.Hi)}, "p95_ms": trace.Millis(h.rtt.P95),
		"sample": h.rtt.N, "target_best_ms": trace.Millis(t.Best), "target_median_ms": trace.Millis(t.Median),
		"target_median_ci95_ms": []float64{trace.Millis(t.Lo), trace.Millis(t.Hi)}, "target_p95_ms": trace.Millis(t.P95),
		"target_sample": t.N}
	kept := fmt.Sprintf("kept to the target (best %.1f, median %.1f ms over %d)", msf(t.Best), msf(t.Median), t.N)
	return Finding{Kind: KindLatencyJump, Severity: Info, Subject: Subject{Target: r.target, Hop: h.ttl, Addr: h.addr},
		DeltaMS: trace.Millis(delta), Persists: boolp(true),
		Summary: fmt.Sprintf("%.1f ms added between %s and %s, %s",
			msf(delta), base.name(fmt.Sprintf(", best %.1f ms", msf(base.rtt.Best))),
			h.name(fmt.Sprintf(", best %.1f ms, median %.1f ms over %d", msf(h.rtt.Best), msf(h.rtt.Median), h.rtt.N)), kept),
		Headline: fmt.Sprintf("%.1f ms added at %s, %s", msf(delta), h.name(""), kept),
		Evidence: ev}
}

// slowICMP is a hop that answers slower than the hops after it: it is slow
// to send its own ICMP, not a slow link.
func (r *reading) slowICMP(base, h rttPoint, delta time.Duration) Finding {
	return Finding{Kind: KindHopICMPRateLimit, Severity: Info, Subject: Subject{Target: r.target, Hop: h.ttl, Addr: h.addr},
		DeltaMS: trace.Millis(delta), Persists: boolp(false),
		Summary: fmt.Sprintf("%s answers %.1f ms slower than %s but later hops do not: it deprioritises its own ICMP, the path is fine",
			h.name(fmt.Sprintf(", best %.1f ms over %d", msf(h.rtt.Best), h.rtt.N)), msf(delta), base.name("")),
		Headline: fmt.Sprintf("%s only answers slowly (+%.1f ms over %s): it deprioritises its own ICMP, later hops are not slower",
			h.name(""), msf(delta), base.short()),
		Evidence: map[string]any{"from_hop": base.ttl, "from_best_ms": trace.Millis(base.rtt.Best), "best_ms": trace.Millis(h.rtt.Best),
			"median_ms": trace.Millis(h.rtt.Median), "sample": h.rtt.N}}
}

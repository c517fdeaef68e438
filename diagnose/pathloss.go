package diagnose

import (
	"fmt"
)

// targetLoss is the sample that decides loss to the target: the echo
// stream when it got replies, else the trace's own probes to the target.
func (r *reading) targetLoss() (Sample, string) {
	if r.echo != nil && r.echo.Received > 0 {
		return Sample{K: r.echo.Lost(), N: r.echo.Sent}, "echo requests"
	}
	if t, ok := r.targetHop(); ok {
		return t.loss, r.protocol.String() + " probes"
	}
	return Sample{}, ""
}

// laterThan returns the loss samples of everything after hops[i]: the
// later answering hops and, last, the target's sample.
func (r *reading) laterThan(i int, target Sample) []Sample {
	var out []Sample
	for _, g := range r.hops[i+1:] {
		out = append(out, g.loss)
	}
	if target.N > 0 {
		out = append(out, target)
	}
	return out
}

func (r *reading) lossFindings(cfg Config) []Finding {
	tl, source := r.targetLoss()
	var out []Finding
	for i, h := range r.hops {
		if h.loss.K == 0 {
			continue
		}
		for _, g := range r.laterThan(i, tl) {
			if g.ClearlyBelow(h.loss) {
				out = append(out, r.hopDrops(h, g, tl.N > 0 && tl.Above(cfg.MaxLossPct)))
				break
			}
		}
	}
	if tl.N == 0 {
		return out
	}
	limit := cfg.MaxLossPct
	lo, hi := tl.Interval()
	f := Finding{Kind: KindPathLoss, Severity: Info, Subject: Subject{Target: r.target}, Persists: boolp(true),
		Evidence: map[string]any{"source": source, "sample": tl.N, "lost": tl.K, "loss_pct": round(tl.Rate(), 2),
			"ci95_pct": []float64{round(lo, 2), round(hi, 2)}, "max_loss_pct": limit, "hops": r.hopEvidence()}}
	head := fmt.Sprintf("%.1f%% loss to %s (95%% interval %.1f–%.1f%%, %d of %d %s lost)", tl.Rate(), r.target, lo, hi, tl.K, tl.N, source)
	amount := fmt.Sprintf("%.1f%% lost (95%%: %.1f–%.1f%%, %d of %d %s)", tl.Rate(), lo, hi, tl.K, tl.N, source)
	start, where := r.locate(tl, source)
	line := start.headline(r.rep.TargetTTL) + ": "
	switch {
	case tl.Above(limit):
		f.Severity = Warning
		head += fmt.Sprintf(", above --max-loss %g%%", limit)
		line += fmt.Sprintf("%s, above --max-loss %g%%", amount, limit)
	case tl.Below(limit):
		if tl.K == 0 {
			return out
		}
		head += fmt.Sprintf(", below --max-loss %g%%", limit)
		line += fmt.Sprintf("%s, below --max-loss %g%%", amount, limit)
	default:
		n := tl.trialsToDecide(limit)
		f.Inconclusive = true
		f.Evidence["inconclusive"] = true
		f.Evidence["decide_with_probes"] = n
		head += fmt.Sprintf(": too few probes to tell whether it is above --max-loss %g%%", limit)
		if n > 0 {
			head += fmt.Sprintf("; about %d would decide%s", n, r.echoTime(n))
		} else {
			head += "; it is at the threshold itself"
		}
		line += "inconclusive so far, " + amount
		if tl.K == 0 {
			line = fmt.Sprintf("no loss so far, but too few requests to rule out --max-loss %g%%: inconclusive so far, 0 of %d %s lost (95%%: %.1f–%.1f%%)",
				limit, tl.N, source, lo, hi)
		}
		if n > tl.N {
			line += fmt.Sprintf("; about %d would decide", n)
		}
	}
	if start.exact {
		f.Hop, f.Addr = start.ttl, start.addr
	}
	f.Summary = head + ": " + where
	if start.ttl > 0 {
		f.Summary += r.back.lossCaveat(start.ttl)
	}
	f.Evidence["return_path"] = r.back.evidence()
	f.Headline = line
	f.Evidence["location"] = start.evidence()
	return append(out, f)
}

// headline says in a few words where the loss starts, for a finding's
// headline.
func (l location) headline(targetTTL int) string {
	switch {
	case l.untraced:
		return "no trace yet: the loss is not yet placed"
	case l.ttl == 0:
		return "the trace cannot place the loss"
	case l.exact && l.ttl == targetTTL:
		return fmt.Sprintf("loss is at the target's hop %d (%s): its last link or the target itself", l.ttl, l.addr)
	case l.exact:
		return fmt.Sprintf("loss starts at hop %d (%s) and carries on to the target", l.ttl, l.addr)
	case l.after == 0:
		return fmt.Sprintf("loss starts by hop %d; the hops before it cannot place it", l.ttl)
	}
	return fmt.Sprintf("loss starts after hop %d and by hop %d; the hops between cannot place it", l.after, l.ttl)
}

// echoTime says how long n echo requests take at the stream's interval.
func (r *reading) echoTime(n int) string {
	if r.echo == nil || r.echo.Interval <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.0f s of echo requests at %v)", float64(n)*r.echo.Interval.Seconds(), r.echo.Interval)
}

// location is where the path's loss starts: at hop ttl exactly, or after
// hop after and by hop ttl; untraced when no trace has run to tell.
type location struct {
	ttl      int
	addr     string
	after    int
	exact    bool
	untraced bool
}

func (l location) evidence() map[string]any {
	return map[string]any{"exact": l.exact, "by_hop": l.ttl, "after_hop": l.after}
}

// locate finds where the loss that tl shows starts: the first hop whose
// loss is clear (above zero with confidence), not clearly less than the
// target's, and carried by everything after it; and the last hop before it
// that is clearly below the loss from there on (the target's, pooled with
// the hops that carry it). Exact when they are neighbours.
func (r *reading) locate(tl Sample, source string) (location, string) {
	if source == "echo requests" {
		// The hops' samples place the echo stream's loss only if the
		// trace's probes to the target saw the same loss.
		t, ok := r.targetHop()
		switch {
		case !ok && r.rep.Rounds == 0:
			return location{untraced: true}, "no trace of the path has run yet, so the loss is not yet placed"
		case !ok:
			return location{}, fmt.Sprintf("the trace's %s probes never reached the target, so where it starts cannot be told", r.protocol)
		case t.loss.ClearlyBelow(tl):
			return location{}, fmt.Sprintf("the trace's %s probes reached the target without that loss (%d of %d lost): "+
				"the loss hits echo requests only (a filter or policer on the way); trace with -P icmp to find where", r.protocol, t.loss.K, t.loss.N)
		case tl.ClearlyBelow(t.loss):
			return location{}, fmt.Sprintf("the target answers too few of the trace's %s probes (%d of %d lost: its ICMP rate limit) to show where; trace with -P icmp to find where",
				r.protocol, t.loss.K, t.loss.N)
		}
	}
	startIdx := -1
	for i, h := range r.hops {
		if h.isTarget || !h.loss.Above(0) || h.loss.ClearlyBelow(tl) {
			continue
		}
		carried := true
		for _, g := range r.laterThan(i, tl) {
			carried = carried && !g.ClearlyBelow(h.loss)
		}
		if carried {
			startIdx = i
			break
		}
	}
	var loc location
	if startIdx >= 0 {
		loc.ttl, loc.addr = r.hops[startIdx].ttl, r.hops[startIdx].addr
	} else {
		t, _ := r.targetHop()
		loc.ttl, loc.addr = t.ttl, t.addr
	}
	// The loss the hops before are held against: the target's, pooled
	// with the hops from the start on that carry it (not those that lose
	// clearly more: their own ICMP limits would make the path's loss look
	// larger than it is).
	ref := tl
	for _, h := range r.hops {
		if h.ttl >= loc.ttl && !tl.ClearlyBelow(h.loss) {
			ref.K, ref.N = ref.K+h.loss.K, ref.N+h.loss.N
		}
	}
	for _, h := range r.hops {
		if h.ttl < loc.ttl && h.loss.below(ref, zClean) {
			loc.after = h.ttl
		}
	}
	loc.exact = loc.after == loc.ttl-1
	what := fmt.Sprintf("hop %d (%s)", loc.ttl, loc.addr)
	if loc.ttl == r.rep.TargetTTL {
		what = fmt.Sprintf("the target's hop %d (%s: its last link or the target itself)", loc.ttl, loc.addr)
	}
	if loc.exact {
		if loc.ttl == r.rep.TargetTTL {
			return loc, "it is at " + what
		}
		return loc, "it starts at " + what + " and carries on to the target"
	}
	from := "this host"
	if loc.after > 0 {
		from = fmt.Sprintf("hop %d (%s)", loc.after, r.addrAt(loc.after))
	}
	return loc, fmt.Sprintf("it starts after %s and by %s; the hops in between cannot place it (%s)", from, what, r.whyUnplaced(loc))
}

// whyUnplaced says why the hops between loc.after and loc.ttl cannot tell
// where the loss starts.
func (r *reading) whyUnplaced(loc location) string {
	answered, sent, silent := 0, 0, 0
	for _, h := range r.rep.Hops {
		if h.TTL <= loc.after || h.TTL >= loc.ttl {
			continue
		}
		if h.Received == 0 {
			silent++
		}
		answered, sent = answered+h.Received, sent+h.Sent
	}
	switch {
	case answered == 0 && silent > 0:
		return "they never answer"
	case 2*answered < sent:
		return "they answer too few of their probes: ICMP rate limits"
	}
	return "their samples are too small for a loss this small: a longer --duration would tell"
}

func (r *reading) addrAt(ttl int) string {
	for _, h := range r.hops {
		if h.ttl == ttl {
			return h.addr
		}
	}
	return "*"
}

// hopDrops is the finding for a hop that leaves more of its probes
// unanswered than what comes after it loses: its own ICMP is rate-limited
// or deprioritised. g is the later sample that shows it.
func (r *reading) hopDrops(h hopReading, g Sample, pathLoss bool) Finding {
	lo, hi := h.loss.Interval()
	_, ghi := g.Interval()
	who := fmt.Sprintf("hop %d (%s)", h.ttl, h.addr)
	what := "rate-limits or deprioritises its own ICMP"
	if h.isTarget {
		who = fmt.Sprintf("the target %s", h.addr)
		what = fmt.Sprintf("rate-limits its answers to %s probes", r.protocol)
	}
	tail := "the path is fine"
	if pathLoss {
		tail = "that part is not loss on the path"
	}
	short := fmt.Sprintf("hop %d (%s)", h.ttl, h.addr)
	if h.isTarget {
		short = fmt.Sprintf("the target (%s)", h.addr)
	}
	return Finding{Kind: KindHopICMPRateLimit, Severity: Info, Subject: Subject{Target: r.target, Hop: h.ttl, Addr: h.addr}, Persists: boolp(false),
		Summary: fmt.Sprintf("%s left %.0f%% of its probes unanswered (95%% interval %.0f–%.0f%%, %d of %d) but later hops and the target lost at most %.1f%%: it %s; %s",
			who, h.loss.Rate(), lo, hi, h.loss.K, h.loss.N, ghi, what, tail),
		Headline: fmt.Sprintf("%s only rate-limits its ICMP: %.0f%% unanswered (95%%: %.0f–%.0f%%, of %d), later hops lose at most %.1f%%",
			short, h.loss.Rate(), lo, hi, h.loss.N, ghi),
		Evidence: map[string]any{"sample": h.loss.N, "lost": h.loss.K, "loss_pct": round(h.loss.Rate(), 2),
			"ci95_pct": []float64{round(lo, 2), round(hi, 2)}, "fwd_loss_pct": round(h.fwd.Rate(), 2),
			"later_max_loss_pct": round(ghi, 2)}}
}

// hopEvidence lists every answering hop's loss sample.
func (r *reading) hopEvidence() []map[string]any {
	var out []map[string]any
	for _, h := range r.hops {
		lo, hi := h.loss.Interval()
		out = append(out, map[string]any{"ttl": h.ttl, "addr": h.addr, "sample": h.loss.N, "lost": h.loss.K,
			"loss_pct": round(h.loss.Rate(), 2), "ci95_pct": []float64{round(lo, 2), round(hi, 2)},
			"fwd_loss_pct": round(h.fwd.Rate(), 2)})
	}
	return out
}

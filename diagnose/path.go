package diagnose

import (
	"fmt"
	"time"

	"netdx/icmpmsg"
	"netdx/trace"
)

// Path reads mtr-style rounds of a trace into findings, the way an
// engineer reads them:
//   - an unreachable (!H !N !X …) on the way is critical; it names the hop;
//   - a target that never answered is critical;
//   - loss or a latency step at a hop is real only when it carries on to
//     every later answering hop and to the target; otherwise that router is
//     rate-limiting or deprioritising its own ICMP (hop_icmp_ratelimit);
//   - a real latency step is reported where it is added, with the numbers;
//     thresholds (Config.MaxRTT, MaxLossPct) decide its severity.
func Path(r trace.Report, cfg Config) []Finding {
	var out []Finding
	hops := answering(r.Hops)
	for _, h := range r.Hops {
		if h.Annotation == "" {
			continue
		}
		out = append(out, Finding{Kind: KindUnreachable, Severity: Critical, Target: r.Target, Hop: h.TTL, Addr: addr(h),
			Summary: fmt.Sprintf("hop %d (%s) answers %s for %s (%s): the path ends there",
				h.TTL, addr(h), h.Annotation, r.Target, icmpmsg.Describe(h.Annotation)),
			Evidence: map[string]any{"annotation": h.Annotation, "received": h.Received, "sent": h.Sent}})
	}
	if !r.Reached {
		if len(out) == 0 {
			last := "no hop answered"
			if len(hops) > 0 {
				h := hops[len(hops)-1]
				last = fmt.Sprintf("the last answer came from hop %d (%s)", h.TTL, addr(h))
			}
			out = append(out, Finding{Kind: KindTargetUnreachable, Severity: Critical, Target: r.Target,
				Summary:  fmt.Sprintf("%s (%s) never answered over %d rounds; %s", r.Target, r.Addr, r.Rounds, last),
				Evidence: map[string]any{"end_reason": r.EndReason, "rounds": r.Rounds}})
		}
		// Without the target there is no reference for loss or latency.
		return out
	}
	out = append(out, lossFindings(r, hops, cfg)...)
	out = append(out, latencyFindings(r, hops, cfg)...)
	return out
}

// answering keeps the hops that answered at least once, in TTL order.
func answering(all []trace.ReportHop) []trace.ReportHop {
	var out []trace.ReportHop
	for _, h := range all {
		if h.Received > 0 {
			out = append(out, h)
		}
	}
	return out
}

func lossFindings(r trace.Report, hops []trace.ReportHop, cfg Config) []Finding {
	if len(hops) == 0 {
		return nil
	}
	target := hops[len(hops)-1]
	var out []Finding
	realFound := false
	for i, h := range hops {
		loss := lossPct(h)
		if loss == 0 {
			continue
		}
		// Real loss shows again, at least half as much, at every later
		// answering hop including the target.
		persists := true
		for _, later := range hops[i+1:] {
			if lossPct(later) < loss/2 {
				persists = false
				break
			}
		}
		ev := map[string]any{"loss_pct": loss, "sent": h.Sent, "received": h.Received, "rate_limited": h.RateLimited,
			"target_loss_pct": lossPct(target)}
		if !persists {
			out = append(out, Finding{Kind: KindHopICMPRateLimit, Severity: Info, Target: r.Target, Hop: h.TTL, Addr: addr(h), Persists: boolp(false),
				Summary: fmt.Sprintf("hop %d (%s) drops %.0f%% of its own answers but later hops do not: it rate-limits ICMP, the path is fine",
					h.TTL, addr(h), loss),
				Evidence: ev})
			continue
		}
		if realFound {
			continue // reported at the hop where it starts
		}
		realFound = true
		sev := Info
		if lossPct(target) > cfg.MaxLossPct {
			sev = Warning
		}
		where := fmt.Sprintf("starts at hop %d (%s) and carries on to the target", h.TTL, addr(h))
		if h.TTL == target.TTL {
			where = fmt.Sprintf("at the target %s itself", addr(h))
		}
		out = append(out, Finding{Kind: KindPathLoss, Severity: sev, Target: r.Target, Hop: h.TTL, Addr: addr(h), Persists: boolp(true),
			Summary:  fmt.Sprintf("%.0f%% loss to %s %s", lossPct(target), r.Target, where),
			Evidence: ev})
	}
	return out
}

func latencyFindings(r trace.Report, hops []trace.ReportHop, cfg Config) []Finding {
	if len(hops) < 2 {
		return nil
	}
	target := hops[len(hops)-1]
	var out []Finding
	for i := 1; i < len(hops); i++ {
		// The best RTT locates added latency: a single outlier (a first
		// probe waiting for neighbour resolution, a queueing spike) moves
		// the average but not the best.
		prev, h := hops[i-1], hops[i]
		delta := h.Best - prev.Best
		if delta < cfg.jump() {
			continue
		}
		// A real step lifts every later hop too (by at least half).
		persists := true
		for _, later := range hops[i+1:] {
			if later.Best-prev.Best < delta/2 {
				persists = false
				break
			}
		}
		ev := map[string]any{"from_hop": prev.TTL, "from_best_ms": trace.Millis(prev.Best), "from_avg_ms": trace.Millis(prev.Avg),
			"best_ms": trace.Millis(h.Best), "avg_ms": trace.Millis(h.Avg), "worst_ms": trace.Millis(h.Worst),
			"target_best_ms": trace.Millis(target.Best), "target_avg_ms": trace.Millis(target.Avg)}
		if !persists {
			out = append(out, Finding{Kind: KindHopICMPRateLimit, Severity: Info, Target: r.Target, Hop: h.TTL, Addr: addr(h),
				DeltaMS: trace.Millis(delta), Persists: boolp(false),
				Summary: fmt.Sprintf("hop %d (%s) answers %.1f ms slower than hop %d but later hops do not: it deprioritises its own ICMP, the path is fine",
					h.TTL, addr(h), ms(delta), prev.TTL),
				Evidence: ev})
			continue
		}
		sev := Info
		if cfg.MaxRTT > 0 && target.Avg > cfg.MaxRTT {
			sev = Warning
			ev["max_rtt_ms"] = trace.Millis(cfg.MaxRTT)
		}
		out = append(out, Finding{Kind: KindLatencyJump, Severity: sev, Target: r.Target, Hop: h.TTL, Addr: addr(h),
			DeltaMS: trace.Millis(delta), Persists: boolp(true),
			Summary: fmt.Sprintf("%.1f ms added between hop %d (%s, best %.1f ms) and hop %d (%s, best %.1f ms), kept to the target (best %.1f, avg %.1f ms)",
				ms(delta), prev.TTL, addr(prev), ms(prev.Best), h.TTL, addr(h), ms(h.Best), ms(target.Best), ms(target.Avg)),
			Evidence: ev})
	}
	return out
}

// lossPct counts every unanswered probe as lost, rate-limited or not: the
// persistence rule, not the hop's own guess, tells ICMP rate limiting from
// real loss.
func lossPct(h trace.ReportHop) float64 {
	if h.Sent == 0 {
		return 0
	}
	return round(100*float64(h.Sent-h.Received)/float64(h.Sent), 1)
}

func addr(h trace.ReportHop) string {
	if len(h.Addrs) == 0 {
		return "*"
	}
	return h.Addrs[0].String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

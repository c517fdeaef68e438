package tui

import (
	"fmt"
	"strings"

	"netdx/diagnose"
)

// verdictLine is one finding of diagnose.Path as one screen line: a label
// and a short sentence built from the finding's fields and evidence (the
// finding's Summary, a paragraph, is what the verdict display shows).
type verdictLine struct {
	label    string // CRITICAL, WARNING, INFO, UNKNOWN (inconclusive), OK
	severity diagnose.Severity
	text     string
}

func label(f diagnose.Finding) string {
	if f.Inconclusive {
		return "UNKNOWN"
	}
	return strings.ToUpper(f.Severity.String())
}

// verdict turns a tab's findings into screen lines; without a finding it
// says what the evidence shows so far, with its interval.
func (t *tab) verdict() []verdictLine {
	var out []verdictLine
	for _, f := range t.findings {
		out = append(out, verdictLine{label: label(f), severity: f.Severity, text: headline(f, t.rep.TargetTTL)})
	}
	if len(out) > 0 {
		return out
	}
	text := "nothing found so far"
	if e := t.echo; e != nil && e.Sent > 0 {
		s := diagnose.Sample{K: e.Lost(), N: e.Sent}
		lo, hi := s.Interval()
		text = fmt.Sprintf("no loss or latency step found so far: %d of %d echo requests lost (95%%: %.1f–%.1f%%)", s.K, s.N, lo, hi)
	} else if t.rep.Rounds > 0 {
		text = fmt.Sprintf("no loss or latency step found so far in %d rounds", t.rep.Rounds)
	}
	return []verdictLine{{label: "OK", text: text}}
}

// headline is the finding in one sentence; kinds it does not know keep
// their Summary.
func headline(f diagnose.Finding, targetTTL int) string {
	ev := f.Evidence
	switch f.Kind {
	case diagnose.KindPathLoss:
		return lossHeadline(f, targetTTL)
	case diagnose.KindHopICMPRateLimit:
		who := fmt.Sprintf("hop %d (%s)", f.Hop, f.Addr)
		if f.Hop == targetTTL {
			who = fmt.Sprintf("the target (%s)", f.Addr)
		}
		if _, slow := ev["best_ms"]; slow {
			return fmt.Sprintf("%s only answers slowly (+%.1f ms over hop %d): it deprioritises its own ICMP, later hops are not slower",
				who, f.DeltaMS, num(ev, "from_hop"))
		}
		lo, hi := interval(ev)
		return fmt.Sprintf("%s only rate-limits its ICMP: %.0f%% unanswered (95%%: %.0f–%.0f%%, of %d), later hops lose at most %.1f%%",
			who, fnum(ev, "loss_pct"), lo, hi, num(ev, "sample"), fnum(ev, "later_max_loss_pct"))
	case diagnose.KindLatencyJump:
		s := fmt.Sprintf("%.1f ms added at hop %d (%s), kept to the target (best %.1f, median %.1f ms over %d)",
			f.DeltaMS, f.Hop, f.Addr, fnum(ev, "target_best_ms"), fnum(ev, "target_median_ms"), num(ev, "target_sample"))
		switch {
		case f.Inconclusive:
			s += fmt.Sprintf("; --max-rtt %.0f ms: inconclusive so far", fnum(ev, "max_rtt_ms"))
		case f.Severity >= diagnose.Warning:
			s += fmt.Sprintf("; above --max-rtt %.0f ms", fnum(ev, "max_rtt_ms"))
		}
		return s
	case diagnose.KindUnreachable:
		return fmt.Sprintf("hop %d (%s) answers %v: the path ends there", f.Hop, f.Addr, ev["annotation"])
	case diagnose.KindTargetUnreachable:
		s := fmt.Sprintf("the target never answered (%d rounds", num(ev, "rounds"))
		if _, ok := ev["echo_sent"]; ok {
			s += fmt.Sprintf(", %d echo requests", num(ev, "echo_sent"))
		}
		return s + ")"
	}
	return f.Summary
}

// lossHeadline: where the loss starts and how sure that is.
func lossHeadline(f diagnose.Finding, targetTTL int) string {
	ev := f.Evidence
	lo, hi := interval(ev)
	source, _ := ev["source"].(string)
	amount := fmt.Sprintf("%.1f%% lost (95%%: %.1f–%.1f%%, %d of %d %s)", fnum(ev, "loss_pct"), lo, hi, num(ev, "lost"), num(ev, "sample"), source)
	where := "the trace cannot place it yet (d shows why)"
	if loc, ok := ev["location"].(map[string]any); ok {
		by, after := num(loc, "by_hop"), num(loc, "after_hop")
		exact, _ := loc["exact"].(bool)
		switch {
		case by == 0:
		case exact && by == targetTTL:
			where = fmt.Sprintf("loss is at the target's hop %d (%s): its last link or the target itself", by, f.Addr)
		case exact:
			where = fmt.Sprintf("loss starts at hop %d (%s) and carries on to the target", by, f.Addr)
		case after == 0:
			where = fmt.Sprintf("loss starts by hop %d; the hops before it cannot place it", by)
		default:
			where = fmt.Sprintf("loss starts after hop %d and by hop %d; the hops between cannot place it", after, by)
		}
	}
	limit := fnum(ev, "max_loss_pct")
	switch {
	case f.Inconclusive && num(ev, "lost") == 0:
		s := fmt.Sprintf("no loss so far, but too few requests to rule out --max-loss %g%%: inconclusive so far, 0 of %d %s lost (95%%: %.1f–%.1f%%)",
			limit, num(ev, "sample"), source, lo, hi)
		return s + decide(ev)
	case f.Inconclusive:
		return fmt.Sprintf("%s: inconclusive so far, %s", where, amount) + decide(ev)
	case f.Severity >= diagnose.Warning:
		return fmt.Sprintf("%s: %s, above --max-loss %g%%", where, amount, limit)
	}
	return fmt.Sprintf("%s: %s, below --max-loss %g%%", where, amount, limit)
}

// decide says how many probes would decide, when diagnose's estimate is
// more than the sample already has.
func decide(ev map[string]any) string {
	if n := num(ev, "decide_with_probes"); n > num(ev, "sample") {
		return fmt.Sprintf("; about %d would decide", n)
	}
	return ""
}

// num and fnum read a number of the evidence as diagnose put it (an int
// or a float64; a float64 after a JSON round trip); 0 when absent.
func num(ev map[string]any, key string) int { return int(fnum(ev, key)) }

func fnum(ev map[string]any, key string) float64 {
	switch v := ev[key].(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// interval is the evidence's 95 % interval in percent.
func interval(ev map[string]any) (lo, hi float64) {
	switch v := ev["ci95_pct"].(type) {
	case []float64:
		if len(v) == 2 {
			return v[0], v[1]
		}
	case []any:
		if len(v) == 2 {
			lo, _ := v[0].(float64)
			hi, _ := v[1].(float64)
			return lo, hi
		}
	}
	return 0, 100
}

package tui

import (
	"fmt"
	"strings"

	"netdx/diagnose"
)

// verdictLine is one finding of diagnose.Path as a screen line: a label
// and diagnose's own headline (the finding's Summary, a paragraph, is what
// the verdict display shows).
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
		out = append(out, verdictLine{label: label(f), severity: f.Severity, text: printable(f.Headline)})
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

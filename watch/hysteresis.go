package watch

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"netdx/diagnose"
	"netdx/watch/record"
)

// Hysteresis turns the findings of successive evaluations into raised and
// cleared events, so that a finding neither appears nor goes away on one
// evaluation's say-so:
//
//   - a finding is raised when the rules found it, with a sample that
//     decides (not inconclusive) and at least the minimum severity, in
//     RaiseAfter evaluations in a row;
//   - a raised finding is cleared when ClearAfter evaluations in a row did
//     not find it (or found it below the minimum severity); an evaluation
//     that found it inconclusive is not clean: the sample does not say it
//     is gone;
//   - a raised finding whose severity changes (for RaiseAfter evaluations
//     in a row) is cleared at the old severity and raised at the new one;
//   - evaluations that did not judge a finding's scope (its target's
//     sample is still too small, the host check failed) leave it as it is.
//
// A finding is known by its identity (diagnose.Finding.ID: its kind and
// what it is about), not by its numbers; the n-th finding of the same
// identity in one evaluation is the n-th.
//
// It is a pure state machine: Observe takes the time as an argument. Not
// safe for concurrent use.
type Hysteresis struct {
	// RaiseAfter and ClearAfter count evaluations (1 when below).
	RaiseAfter, ClearAfter int
	// MinSeverity is the lowest severity raised.
	MinSeverity diagnose.Severity

	state map[key]*entry
}

// entry is one finding identity's state.
type entry struct {
	name    string // the key in words, for a stable order
	raised  bool
	since   time.Time         // when it was raised
	shown   diagnose.Finding  // as raised
	last    diagnose.Finding  // as last found
	sev     diagnose.Severity // the severity of the present streak
	present int               // evaluations in a row found at sev
	clean   int               // evaluations in a row not found
}

// Change is a finding raised or cleared.
type Change struct {
	Kind    record.Kind // record.KindRaised or record.KindCleared
	Finding diagnose.Finding
	// Since is when a cleared finding was raised.
	Since time.Time
}

// key is a finding's state key: its identity, and the n-th finding of that
// identity in one evaluation (an interface's errors and its drops; a hop's
// ICMP limit seen in its loss and in its delay).
type key struct {
	id diagnose.ID
	n  int
}

// keys returns the state's keys (only the raised ones' if onlyRaised) in
// a stable order.
func (h *Hysteresis) keys(onlyRaised bool) []key {
	keys := make([]key, 0, len(h.state))
	for k, e := range h.state {
		if e.raised || !onlyRaised {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(h.state[a].name, h.state[b].name) })
	return keys
}

// Scope is what a finding is about for Observe's judged: "path TARGET"
// for a path finding, "host" for the others.
func Scope(f diagnose.Finding) string {
	if f.Target != "" {
		return "path " + f.Target
	}
	return "host"
}

// Observe applies one evaluation's findings. judged tells whether the
// evaluation judged a scope (see Scope); nil means every scope.
func (h *Hysteresis) Observe(now time.Time, findings []diagnose.Finding, judged func(scope string) bool) []Change {
	if h.state == nil {
		h.state = map[key]*entry{}
	}
	raiseAfter, clearAfter := max(h.RaiseAfter, 1), max(h.ClearAfter, 1)
	seen := map[key]bool{}
	count := map[diagnose.ID]int{}
	var out []Change
	for _, f := range findings {
		id := f.ID()
		count[id]++
		k := key{id, count[id]}
		seen[k] = true
		e := h.state[k]
		if f.Inconclusive {
			// Neither there nor gone: both streaks start again (a
			// finding not raised needs no state for that).
			if e != nil && e.raised {
				e.last, e.present, e.clean = f, 0, 0
			} else {
				delete(h.state, k)
			}
			continue
		}
		if e == nil {
			e = &entry{name: fmt.Sprint(k)}
			h.state[k] = e
		}
		e.last = f
		switch {
		case f.Severity < h.MinSeverity:
			out = append(out, h.absent(k, e, now, clearAfter)...)
			continue
		}
		e.clean = 0
		if e.present > 0 && e.sev == f.Severity {
			e.present++
		} else {
			e.sev, e.present = f.Severity, 1
		}
		switch {
		case e.present < raiseAfter:
		case !e.raised:
			e.raised, e.since, e.shown = true, now, f
			out = append(out, Change{Kind: record.KindRaised, Finding: f})
		case e.shown.Severity != f.Severity:
			out = append(out, Change{Kind: record.KindCleared, Finding: e.shown, Since: e.since})
			e.since, e.shown = now, f
			out = append(out, Change{Kind: record.KindRaised, Finding: f})
		}
	}
	for _, k := range h.keys(false) {
		e := h.state[k]
		if seen[k] || (judged != nil && !judged(Scope(e.last))) {
			continue
		}
		out = append(out, h.absent(k, e, now, clearAfter)...)
	}
	return out
}

// absent counts an evaluation that did not find k's finding.
func (h *Hysteresis) absent(k key, e *entry, now time.Time, clearAfter int) []Change {
	e.present = 0
	e.clean++
	if !e.raised {
		delete(h.state, k)
		return nil
	}
	if e.clean < clearAfter {
		return nil
	}
	delete(h.state, k)
	return []Change{{Kind: record.KindCleared, Finding: e.shown, Since: e.since}}
}

// Raised are the findings raised now, as they were last found, in a
// stable order.
func (h *Hysteresis) Raised() []diagnose.Finding {
	keys := h.keys(true)
	out := make([]diagnose.Finding, 0, len(keys))
	for _, k := range keys {
		f := h.state[k].last
		f.Severity = h.state[k].shown.Severity
		out = append(out, f)
	}
	return out
}

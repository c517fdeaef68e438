package watch

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/trace"
	"netdx/watch/record"
)

var t0 = time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)

func loss(target string, sev diagnose.Severity) diagnose.Finding {
	return diagnose.Finding{Kind: diagnose.KindPathLoss, Severity: sev, Subject: diagnose.Subject{Target: target}, Summary: "loss"}
}

// run feeds evaluations (nil: nothing found) and returns the changes of
// each, as "raised warning" strings.
func run(h *Hysteresis, evals ...[]diagnose.Finding) []string {
	var out []string
	for i, fs := range evals {
		for _, c := range h.Observe(t0.Add(time.Duration(i)*time.Second), fs, nil) {
			out = append(out, fmt.Sprintf("%d %s %s", i, c.Kind, c.Finding.Severity))
		}
	}
	return out
}

func repeat(fs []diagnose.Finding, n int) [][]diagnose.Finding {
	out := make([][]diagnose.Finding, n)
	for i := range out {
		out[i] = fs
	}
	return out
}

func concat(parts ...[][]diagnose.Finding) [][]diagnose.Finding {
	var out [][]diagnose.Finding
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestHysteresisRaiseThenClear(t *testing.T) {
	h := &Hysteresis{RaiseAfter: 3, ClearAfter: 5, MinSeverity: diagnose.Warning}
	w := []diagnose.Finding{loss("a", diagnose.Warning)}
	var changes []Change
	for i, fs := range concat(repeat(w, 4), repeat(nil, 5)) {
		changes = append(changes, h.Observe(t0.Add(time.Duration(i)*time.Second), fs, nil)...)
		if i == 1 && len(changes) > 0 {
			t.Fatal("raised after 2 evaluations")
		}
		if i == 2 && (len(changes) != 1 || changes[0].Kind != record.KindRaised) {
			t.Fatalf("not raised after 3 evaluations: %+v", changes)
		}
		if i == 7 && len(changes) != 1 {
			t.Fatalf("cleared after 4 clean evaluations: %+v", changes)
		}
		if i == 3 && len(h.Raised()) != 1 {
			t.Fatalf("raised list %+v", h.Raised())
		}
	}
	if len(changes) != 2 || changes[1].Kind != record.KindCleared || !changes[1].Since.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("want raised at 2 s then cleared with since: %+v", changes)
	}
	if len(h.Raised()) != 0 || len(h.state) != 0 {
		t.Errorf("state left behind: %+v", h.state)
	}
}

// TestHysteresisNoFlap: a finding that comes and goes every other
// evaluation, or twice in a row at most, is never raised; a raised one
// that goes away for fewer than ClearAfter evaluations at a time is never
// cleared.
func TestHysteresisNoFlap(t *testing.T) {
	h := &Hysteresis{RaiseAfter: 3, ClearAfter: 3, MinSeverity: diagnose.Warning}
	w := []diagnose.Finding{loss("a", diagnose.Warning)}
	var evals [][]diagnose.Finding
	for range 20 {
		evals = append(evals, concat(repeat(w, 2), repeat(nil, 1))...)
	}
	if got := run(h, evals...); len(got) != 0 {
		t.Errorf("flapping finding changed: %v", got)
	}
	h = &Hysteresis{RaiseAfter: 3, ClearAfter: 3, MinSeverity: diagnose.Warning}
	evals = repeat(w, 3)
	for range 20 {
		evals = append(evals, concat(repeat(nil, 2), repeat(w, 1))...)
	}
	if got := run(h, evals...); len(got) != 1 {
		t.Errorf("a raised finding missing 2 evaluations at a time must stay raised: %v", got)
	}
}

// TestHysteresisInconclusive: an inconclusive finding neither raises nor
// clears: it breaks a streak of both.
func TestHysteresisInconclusive(t *testing.T) {
	h := &Hysteresis{RaiseAfter: 3, ClearAfter: 2, MinSeverity: diagnose.Warning}
	w := []diagnose.Finding{loss("a", diagnose.Warning)}
	inc := loss("a", diagnose.Info)
	inc.Inconclusive = true
	u := []diagnose.Finding{inc}
	if got := run(h, concat(repeat(w, 2), repeat(u, 1), repeat(w, 2))...); len(got) != 0 {
		t.Fatalf("raised across an inconclusive evaluation: %v", got)
	}
	h = &Hysteresis{RaiseAfter: 3, ClearAfter: 2, MinSeverity: diagnose.Warning}
	got := run(h, concat(repeat(w, 3), repeat(u, 10), repeat(nil, 1), repeat(u, 1), repeat(nil, 2))...)
	if len(got) != 2 || got[1] != "16 cleared warning" {
		t.Fatalf("want raised, kept while inconclusive, cleared after 2 clean: %v", got)
	}
}

// TestHysteresisSeverity: below the minimum severity is clean; a change of
// severity that lasts is a clear and a raise.
func TestHysteresisSeverity(t *testing.T) {
	h := &Hysteresis{RaiseAfter: 2, ClearAfter: 2, MinSeverity: diagnose.Warning}
	info := []diagnose.Finding{loss("a", diagnose.Info)}
	warn := []diagnose.Finding{loss("a", diagnose.Warning)}
	crit := []diagnose.Finding{loss("a", diagnose.Critical)}
	got := run(h, concat(repeat(info, 5), repeat(warn, 2), repeat(crit, 1), repeat(warn, 1), repeat(crit, 2), repeat(info, 2))...)
	want := []string{"6 raised warning", "10 cleared warning", "10 raised critical", "12 cleared critical"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestHysteresisScopes: a scope the evaluation did not judge keeps its
// findings as they are; identical identities are told apart by order.
func TestHysteresisScopes(t *testing.T) {
	h := &Hysteresis{RaiseAfter: 1, ClearAfter: 1, MinSeverity: diagnose.Warning}
	clear := diagnose.Finding{Kind: diagnose.KindCleartextService, Severity: diagnose.Warning,
		Subject: diagnose.Subject{PID: 7, Process: "ncat", Proto: "tcp", Local: "0.0.0.0:23"}}
	clear6 := clear
	clear6.Local = "[::]:23"
	fs := []diagnose.Finding{loss("a", diagnose.Warning), clear, clear6}
	if got := h.Observe(t0, fs, nil); len(got) != 3 {
		t.Fatalf("want 3 raised (two listeners of one process): %+v", got)
	}
	// The v4 listener goes: its finding only is cleared.
	if got := h.Observe(t0, []diagnose.Finding{loss("a", diagnose.Warning), clear6}, nil); len(got) != 1 || got[0].Finding.Local != "0.0.0.0:23" {
		t.Fatalf("want the v4 listener's finding cleared: %+v", got)
	}
	hostOnly := func(s string) bool { return s == "host" }
	if got := h.Observe(t0, nil, hostOnly); len(got) != 1 || got[0].Finding.Kind != diagnose.KindCleartextService {
		t.Fatalf("the host was judged clean, the path not judged: %+v", got)
	}
	if r := h.Raised(); len(r) != 1 || r[0].Target != "a" {
		t.Fatalf("the unjudged path finding must stay raised: %+v", r)
	}
	// The loss to a target is one finding wherever the evidence places it.
	moved := loss("a", diagnose.Warning)
	moved.Hop, moved.Addr = 2, "198.18.2.2"
	if got := h.Observe(t0, []diagnose.Finding{moved}, nil); len(got) != 0 {
		t.Fatalf("a path_loss finding placed elsewhere is the same finding: %+v", got)
	}
}

// TestOneLostProbeNeverRaises drives diagnose's real rules with the
// evidence a watch builds each interval from an echo stream where one
// probe in the whole run was lost (early, while the window fills, or
// later): no finding is raised. The same stream with 30 % loss raises
// path_loss, and clears it once the window shows the loss gone.
func TestOneLostProbeNeverRaises(t *testing.T) {
	for _, lostAt := range []int{0, 5, 19, 20, 25, 150, 400} {
		outcomes := make([]bool, 700) // true: lost
		outcomes[lostAt] = true
		if got := evaluateStream(t, outcomes, 300); len(got) != 0 {
			t.Errorf("one probe lost at %d: %v", lostAt, got)
		}
	}
	outcomes := make([]bool, 1200)
	for i := 100; i < 400; i++ {
		outcomes[i] = i%10 < 3
	}
	got := evaluateStream(t, outcomes, 300)
	if len(got) != 2 || got[0].kind != record.KindRaised || got[1].kind != record.KindCleared {
		t.Fatalf("30%% loss from 100 to 400: %v", got)
	}
	if got[0].at < 100 || got[0].at > 130 || got[1].at < 600 || got[1].at > 720 {
		t.Errorf("raised at %d (loss starts at 100), cleared at %d (the window of 300 is clean again after 700): %v", got[0].at, got[1].at, got)
	}
}

type change struct {
	at   int
	kind record.Kind
	f    string
}

// evaluateStream evaluates, after each outcome, a window of the last
// `window` outcomes the way the watch does (not before DefaultConfig's
// MinSample).
func evaluateStream(t *testing.T, lost []bool, window int) []change {
	t.Helper()
	d := DefaultConfig()
	h := &Hysteresis{RaiseAfter: d.RaiseAfter, ClearAfter: d.ClearAfter, MinSeverity: diagnose.Warning}
	addr := netip.MustParseAddr("198.18.3.2")
	var out []change
	for i := range lost {
		lo := max(0, i+1-window)
		e := &diagnose.Echo{Interval: time.Second}
		for _, l := range lost[lo : i+1] {
			e.Sent++
			if !l {
				e.Received++
				e.RTTs = append(e.RTTs, 20*time.Millisecond)
			}
		}
		if e.Sent < d.MinSample {
			continue
		}
		rep := diagnose.Diagnose(diagnose.Evidence{Paths: []diagnose.PathEvidence{{Target: "t", Addr: addr, Protocol: trace.ICMP, Echo: e}}}, diagnose.DefaultConfig())
		for _, c := range h.Observe(t0.Add(time.Duration(i)*time.Second), rep.Findings, nil) {
			out = append(out, change{i, c.Kind, string(c.Finding.Kind) + " " + c.Finding.Severity.String()})
		}
	}
	return out
}

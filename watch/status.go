package watch

import (
	"math"
	"slices"
	"time"

	"netdx/check"
	"netdx/diagnose"
	"netdx/link"
	"netdx/probe"
	"netdx/trace"
	"netdx/watch/record"
)

// Status is what the watch knows now, for the metrics endpoint: plain
// values, a copy made at each call of Watcher.Status.
type Status struct {
	// Evaluations counts the rules' evaluations; Time is the last one's.
	Evaluations uint64
	Time        time.Time
	// Overall is the last evaluation's status (all its findings, raised
	// or not).
	Overall diagnose.Status
	Targets []TargetStatus
	// Host says whether the host is sampled; Links and TCP are the last
	// sample.
	Host  bool
	Links []link.Link
	TCP   link.TCP
	// Raised are the findings raised now; RaisedTotal and ClearedTotal
	// count the changes since the start, by kind and severity.
	Raised       []diagnose.Finding
	RaisedTotal  map[FindingClass]uint64
	ClearedTotal map[FindingClass]uint64
	// FailedChecks counts the evaluations whose host check failed.
	FailedChecks uint64
	// Snapshots counts the snapshots taken; SnapshotErrors those that
	// failed.
	Snapshots, SnapshotErrors uint64
	// Sinks are the records each sink took and refused, in Config.Sinks'
	// order.
	Sinks []SinkStats
}

// FindingClass is a kind and severity of findings.
type FindingClass struct {
	Kind     diagnose.Kind
	Severity diagnose.Severity
}

// SinkStats counts the records handed to a sink.
type SinkStats struct {
	Written uint64 // taken
	Failed  uint64 // refused (the sink's own stats say why)
}

// TargetStatus is a target's echo stream and path.
type TargetStatus struct {
	Target, Addr string
	// Window is the outcomes the rules read now, Received those
	// answered, LossPct their loss.
	Window   int
	Received int
	LossPct  float64
	// Totals are the stream's counts and RTT histogram since the start.
	Totals check.EchoTotals
	// Buckets are the histogram's upper bounds in seconds.
	Buckets []float64
	// Path is the last path rounds' reading (nil before the first);
	// PathTime when they ended, PathError why they failed.
	Path      *trace.Report
	PathTime  time.Time
	PathError string
	// PathInvalid counts the answers to every path rounds' probes that
	// failed a check, by cause (trace's invalid_by_cause), since the
	// start; read only.
	PathInvalid map[string]int
}

// Status returns a copy of what the watch knows now.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	s := w.status
	s.Targets = slices.Clone(s.Targets)
	s.Links = slices.Clone(s.Links)
	s.Raised = slices.Clone(s.Raised)
	s.RaisedTotal = cloneMap(s.RaisedTotal)
	s.ClearedTotal = cloneMap(s.ClearedTotal)
	w.mu.Unlock()
	w.sinkMu.Lock()
	s.Sinks = slices.Clone(w.written)
	w.sinkMu.Unlock()
	if w.echoes != nil {
		bounds := w.echoes.Config().Buckets
		for i := range s.Targets {
			s.Targets[i].Totals = w.echoes.Totals(i)
			s.Targets[i].Buckets = bounds
		}
	}
	return s
}

func cloneMap(m map[FindingClass]uint64) map[FindingClass]uint64 {
	out := make(map[FindingClass]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// update records an evaluation.
func (s *Status) update(now time.Time, overall diagnose.Status, snap diagnose.LinkEvidence, host, failed bool, raised []diagnose.Finding, changes []Change) {
	s.Evaluations++
	s.Time, s.Overall, s.Host, s.Raised = now, overall, host, raised
	if host {
		if !failed {
			s.Links, s.TCP = make([]link.Link, len(snap.Links)), snap.TCP
			for i, l := range snap.Links {
				s.Links[i] = l.Link
			}
		} else {
			s.FailedChecks++
		}
	}
	if s.RaisedTotal == nil {
		s.RaisedTotal, s.ClearedTotal = map[FindingClass]uint64{}, map[FindingClass]uint64{}
	}
	for _, c := range changes {
		k := FindingClass{c.Finding.Kind, c.Finding.Severity}
		if c.Kind == record.KindRaised {
			s.RaisedTotal[k]++
		} else {
			s.ClearedTotal[k]++
		}
	}
}

// windowStatus is what the status keeps of a target's window.
type windowStatus struct{ sent, received int }

func windowOf(e *diagnose.Echo) windowStatus { return windowStatus{e.Sent, e.Received} }

// set records a target's window and path.
func (t *TargetStatus) set(w windowStatus, p pathState) {
	t.Window, t.Received = w.sent, w.received
	t.LossPct = 0
	if w.sent > 0 {
		t.LossPct = 100 * float64(w.sent-w.received) / float64(w.sent)
	}
	t.Path = p.report
	t.PathTime, t.PathError, t.PathInvalid = p.at, p.err, p.invalid
}

// rttOf summarises RTTs as a round record does (nil without replies).
func rttOf(rtts []time.Duration) *record.RTT {
	s := probe.Summarise(rtts).Round()
	if s == nil {
		return nil
	}
	return &record.RTT{Min: s.Min, Avg: s.Avg, Max: s.Max, Mdev: s.Mdev, P50: s.P50, P95: s.P95, Jitter: s.Jitter}
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

package watch

import (
	"maps"

	"netdx/icmpmsg"
	"netdx/watch/record"
)

// roundMark is where a target's last round record ended: the echo
// stream's mark and the invalid messages counted by then.
type roundMark struct {
	echo    uint64
	invalid icmpmsg.Counts
	path    map[string]int
}

// round is each target's echo statistics since the last round record
// (marks, updated), with the messages its echo stream and its path rounds
// rejected meanwhile.
func (w *Watcher) round(seq uint64, marks []roundMark) *record.Round {
	r := &record.Round{Seq: seq, Targets: make([]record.TargetRound, len(w.cfg.Targets))}
	w.mu.Lock()
	paths := make([]map[string]int, len(w.paths))
	for i, p := range w.paths {
		paths[i] = p.invalid
	}
	w.mu.Unlock()
	for i, t := range w.cfg.Targets {
		m := &marks[i]
		e := w.echoes.Since(i, m.echo)
		invalid := w.echoes.Totals(i).Invalid
		tr := record.TargetRound{Target: t.Name, Addr: t.Addr.String(), Sent: e.Sent, Received: e.Received}
		if e.Sent > 0 {
			tr.LossPct = roundTo(100*float64(e.Sent-e.Received)/float64(e.Sent), 3)
		}
		tr.RTT = rttOf(e.RTTs)
		tr.InvalidByCause = since(invalid.Map(), m.invalid.Map())
		tr.PathInvalidByCause = since(paths[i], m.path)
		tr.Invalid, tr.PathInvalid = sum(tr.InvalidByCause), sum(tr.PathInvalidByCause)
		m.echo, m.invalid, m.path = e.Mark, invalid, paths[i]
		r.Targets[i] = tr
	}
	return r
}

// since is what counts now holds beyond was, by key; nil when nothing.
func since(now, was map[string]int) map[string]int {
	var out map[string]int
	for k, n := range now {
		if d := n - was[k]; d > 0 {
			if out == nil {
				out = map[string]int{}
			}
			out[k] = d
		}
	}
	return out
}

// addCounts is a new map of a's counts plus b's.
func addCounts(a, b map[string]int) map[string]int {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]int{}
	}
	for k, n := range b {
		out[k] += n
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

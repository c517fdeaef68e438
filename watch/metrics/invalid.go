package metrics

import (
	"slices"

	dto "github.com/prometheus/client_model/go"

	"netdx/watch"
)

// The families of the messages that failed a check.
var (
	fEchoInvalid = family{"echo_invalid_total", "Messages for the target's echo stream that failed a check (forged replies and errors), by cause.", counterT}
	fPathInvalid = family{"path_invalid_total", "Answers to the target's path rounds' probes that failed a check, by cause.", counterT}
)

// gatherInvalid adds the counts of messages that failed a check, by
// target and cause: series of the causes seen only (icmpmsg's causes
// bound them), so that a page of hundreds of clean targets stays as it
// was.
func gatherInvalid(targets []watch.TargetStatus, p *page) {
	echo, path := fEchoInvalid.family(), fPathInvalid.family()
	for i := range targets {
		t := &targets[i]
		for cause, n := range t.Totals.Invalid.Map() {
			series(echo, float64(n), "cause", cause, "target", t.Target)
		}
		for cause, n := range t.PathInvalid {
			series(path, float64(n), "cause", cause, "target", t.Target)
		}
	}
	for _, mf := range []*dto.MetricFamily{echo, path} {
		if len(mf.Metric) > 0 {
			slices.SortFunc(mf.Metric, byLabelValues)
			p.fams = append(p.fams, mf)
		}
	}
}

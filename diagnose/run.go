package diagnose

import (
	"context"
	"fmt"
	"sync"

	"netdx/link"
	"netdx/sockets"
	"netdx/trace"
)

// Sources are the engines a diagnosis reads. Each may be nil to skip its
// checks; tests pass fixtures.
type Sources struct {
	Link    func(ctx context.Context) (link.Snapshot, error)
	Sockets func(ctx context.Context) (sockets.Table, error)
	// Trace runs report rounds to one target.
	Trace func(ctx context.Context, target string) (trace.Report, error)
}

// Check records one engine call of a diagnosis and whether it worked.
type Check struct {
	Name   string `json:"name"`
	Target string `json:"target,omitempty"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	// Summary says in a few words what the check saw.
	Summary string `json:"summary,omitempty"`
}

// Report is a diagnosis: the overall status, the findings (most severe
// first) and the checks that ran.
type Report struct {
	Status   Status    `json:"status"`
	Findings []Finding `json:"findings"`
	Checks   []Check   `json:"checks"`
}

// Run reads the host through src (interfaces and sockets) and the path to
// each target, and applies the rules. A source that fails is recorded in
// Checks and makes the status "unknown" unless something worse was found;
// the other checks still run.
func Run(ctx context.Context, cfg Config, src Sources, targets []string) Report {
	var (
		mu       sync.Mutex
		rep      = Report{Findings: []Finding{}}
		wg       sync.WaitGroup
		snap     link.Snapshot
		table    sockets.Table
		haveHost = src.Link != nil || src.Sockets != nil
	)
	record := func(c Check, err error, fs []Finding) {
		mu.Lock()
		defer mu.Unlock()
		c.OK = err == nil
		if err != nil {
			c.Error = err.Error()
		}
		rep.Checks = append(rep.Checks, c)
		rep.Findings = append(rep.Findings, fs...)
	}
	if src.Trace != nil {
		for _, t := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := src.Trace(ctx, t)
				var fs []Finding
				c := Check{Name: "trace", Target: t}
				if err == nil {
					fs = Path(r, cfg)
					c.Summary = traceSummary(r)
				}
				record(c, err, fs)
			}()
		}
	}
	if src.Link != nil {
		var err error
		snap, err = src.Link(ctx)
		record(Check{Name: "link", Summary: linkSummary(snap)}, err, nil)
	}
	if src.Sockets != nil {
		var err error
		table, err = src.Sockets(ctx)
		record(Check{Name: "sockets", Summary: socketsSummary(table)}, err, nil)
	}
	wg.Wait()
	if haveHost {
		// A failed source contributes an empty snapshot: the rules then
		// find nothing in it rather than guessing.
		rep.Findings = append(rep.Findings, Host(snap, table, cfg)...)
	}
	Sort(rep.Findings)
	incomplete := false
	for _, c := range rep.Checks {
		incomplete = incomplete || !c.OK
	}
	rep.Status = Overall(rep.Findings, incomplete)
	return rep
}

func linkSummary(s link.Snapshot) string {
	r, over := 100*s.TCP.RetransRatio, "since boot"
	if iv := s.TCP.Interval; iv != nil && !iv.Reset {
		r, over = 100*iv.RetransRatio, "over the interval"
	}
	return fmt.Sprintf("%d interfaces, %d capture sockets, TCP %.2f%% retransmitted %s", len(s.Links), len(s.CaptureSockets), r, over)
}

func socketsSummary(t sockets.Table) string {
	return fmt.Sprintf("%d listening sockets, %d routes via gateways", len(t.Sockets), len(t.Routes))
}

func traceSummary(r trace.Report) string {
	last := 0
	for _, h := range r.Hops {
		if h.Received > 0 {
			last = h.TTL
		}
	}
	return fmt.Sprintf("%s to %s over %d rounds: %s, last answer from hop %d", r.Protocol, r.Addr, r.Rounds, r.EndReason, last)
}

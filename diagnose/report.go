package diagnose

import (
	"fmt"

	"netdx/sockets"
	"netdx/trace"
)

// Evidence is everything one diagnosis saw: the host (when its checks
// ran), the paths to the targets, and which checks ran.
type Evidence struct {
	// Host says whether the host checks (link, sockets) ran; a failed one
	// contributes its zero value, in which the rules find nothing rather
	// than guess.
	Host    bool
	Link    LinkEvidence
	Sockets sockets.Table
	Paths   []PathEvidence
	// Checks are the engine calls that ran, failed ones with their error.
	Checks []Check
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
// first), the checks that ran and what each path looked like.
type Report struct {
	Status   Status       `json:"status"`
	Findings []Finding    `json:"findings"`
	Checks   []Check      `json:"checks"`
	Paths    []PathReport `json:"paths,omitempty"`
}

// PathReport is a target's path as the rules read it: the hops (target
// folded, forward loss per hop) and the echo stream.
type PathReport struct {
	trace.Report
	Echo *Echo `json:"echo,omitempty"`
}

// Diagnose applies every rule to the evidence. A check that failed makes
// the status "unknown" unless something worse was found.
func Diagnose(ev Evidence, cfg Config) Report {
	rep := Report{Findings: []Finding{}, Checks: ev.Checks}
	for _, p := range ev.Paths {
		rep.Findings = append(rep.Findings, Path(p, cfg)...)
		r := trace.Summarize(p.Rounds)
		r.Target = p.Target
		rep.Paths = append(rep.Paths, PathReport{Report: r, Echo: p.Echo})
	}
	if ev.Host {
		rep.Findings = append(rep.Findings, Host(ev.Link, ev.Sockets, cfg)...)
	}
	Sort(rep.Findings)
	incomplete := false
	for _, c := range rep.Checks {
		incomplete = incomplete || !c.OK
	}
	rep.Status = Overall(rep.Findings, incomplete)
	return rep
}

// LinkSummary says in a few words what the link check saw.
func LinkSummary(s LinkEvidence) string {
	r, over := 100*s.TCP.RetransRatio, "since boot"
	if iv := s.TCP.Interval; iv != nil && !iv.Reset {
		r, over = 100*iv.RetransRatio, "over the interval"
	}
	return fmt.Sprintf("%d interfaces, %d capture sockets, TCP %.2f%% retransmitted %s", len(s.Links), len(s.CaptureSockets), r, over)
}

// SocketsSummary says in a few words what the sockets check saw.
func SocketsSummary(t sockets.Table) string {
	listeners := 0
	for _, s := range t.Sockets {
		if listening(s) {
			listeners++
		}
	}
	return fmt.Sprintf("%d listening sockets, %d others, %d routes via gateways", listeners, len(t.Sockets)-listeners, len(t.Routes))
}

// PathSummary says in a few words what a path check saw.
func PathSummary(p PathEvidence) string {
	r := trace.Summarize(p.Rounds)
	last := 0
	for _, h := range r.Hops {
		if h.Received > 0 {
			last = h.TTL
		}
	}
	s := fmt.Sprintf("%s to %s over %d rounds: %s, last answer from hop %d", p.Protocol, p.Addr, r.Rounds, r.EndReason, last)
	if e := p.Echo; e != nil {
		s += fmt.Sprintf("; %d of %d echo requests answered", e.Received, e.Sent)
	}
	return s
}

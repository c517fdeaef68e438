package diagnose

import "netdx/sockets"

// LinkReport is what "netdx link" shows: the link check's evidence, and
// the findings about it with their overall status (the exit code).
type LinkReport struct {
	LinkEvidence
	Status   Status    `json:"status"`
	Findings []Finding `json:"findings"`
}

// ReadLink applies the host rules to a link check's evidence alone, so
// that "netdx link" and "netdx diagnose" find the same things with the
// same severities: a sniffer is CRITICAL; errors and drops happening now,
// a link without carrier or flapping, the PROMISC flag and retransmits
// above the threshold are WARNING; counters that only ever rose since
// boot are information.
func ReadLink(ev LinkEvidence, cfg Config) LinkReport {
	fs := hostFindings(ev, sockets.Table{}, cfg)
	return LinkReport{LinkEvidence: ev, Status: Overall(fs, false), Findings: fs}
}

// SocketsReport is what "netdx sockets" shows (and watch's snapshots
// keep): the socket table, and the findings about it with their overall
// status (the exit code).
type SocketsReport struct {
	sockets.Table
	Status   Status    `json:"status"`
	Findings []Finding `json:"findings"`
}

// ReadSockets applies the host rules to a socket table alone, as
// "netdx diagnose" applies them to the table it reads.
func ReadSockets(t sockets.Table, cfg Config) SocketsReport {
	if t.Sockets == nil {
		t.Sockets = []sockets.Socket{}
	}
	fs := hostFindings(LinkEvidence{}, t, cfg)
	return SocketsReport{Table: t, Status: Overall(fs, false), Findings: fs}
}

// hostFindings are Host's findings, most severe first, never nil.
func hostFindings(ev LinkEvidence, t sockets.Table, cfg Config) []Finding {
	fs := Host(ev, t, cfg)
	if fs == nil {
		fs = []Finding{}
	}
	Sort(fs)
	return fs
}

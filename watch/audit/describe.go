package audit

import (
	"time"

	"netdx/sockets"
	"netdx/watch/record"
)

// listenerRecord describes a new listener.
func listenerRecord(now time.Time, e sockets.Entry, o sockets.Owner) record.Record {
	a := &record.Audit{Event: record.EventListener, Proto: "tcp", Local: unmapped(e.Local),
		PID: o.PID, Process: o.Process, UID: e.UID}
	flagCleartext(a, e)
	return record.Record{Time: now, Kind: record.KindAudit, Audit: a}
}

// connection describes a new inbound connection; closed says it was seen
// only in its destroy notification.
func connection(now time.Time, e sockets.Entry, o sockets.Owner, closed bool) record.Record {
	a := &record.Audit{Event: record.EventConnection, Proto: "tcp", Local: unmapped(e.Local), Remote: unmapped(e.Remote),
		PID: o.PID, Process: o.Process, UID: e.UID, Closed: closed}
	flagCleartext(a, e)
	return record.Record{Time: now, Kind: record.KindAudit, Audit: a}
}

// flagCleartext names the cleartext service on the local port, from the
// sockets package's catalogue.
func flagCleartext(a *record.Audit, e sockets.Entry) {
	if s, ok := sockets.Cleartext("tcp", e.Local.Port()); ok {
		a.Cleartext, a.Alternative = s.Name, s.Alternative
	}
}

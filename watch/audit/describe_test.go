package audit

import (
	"testing"

	"netdx/sockets"
	"netdx/watch/record"
)

func TestRecords(t *testing.T) {
	e := conn(1, "[::ffff:198.18.0.2]:23", "[::ffff:198.18.0.1]:40000")
	e.UID = 1000
	r := connection(t0, e, sockets.Owner{PID: 42, Process: "inetd"}, true)
	want := record.Audit{Event: "connection", Proto: "tcp", Local: "198.18.0.2:23", Remote: "198.18.0.1:40000",
		PID: 42, Process: "inetd", UID: 1000, Cleartext: "telnet", Alternative: "ssh on 22 (or telnets on 992)", Closed: true}
	if err := r.Check(); err != nil || *r.Audit != want || !r.Time.Equal(t0) {
		t.Errorf("%+v\nwant %+v", *r.Audit, want)
	}
	r = listenerRecord(t0, listen(2, "[::]:992"), sockets.Owner{PID: 7, Process: "stunnel"})
	if r.Audit.Cleartext != "" || r.Audit.Local != "[::]:992" || r.Audit.Event != "listener" || r.Audit.Remote != "" {
		t.Errorf("%+v", *r.Audit)
	}
}

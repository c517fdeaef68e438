package diagnose

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"netdx/link"
	"netdx/sockets"
)

// TestReadSockets: a table's findings, most severe first, and their
// status; an empty table is an empty list in JSON, not null, as "netdx
// sockets --json" and watch's snapshots print it.
func TestReadSockets(t *testing.T) {
	table := sockets.Table{
		Sockets: []sockets.Socket{
			{Proto: "tcp", State: "LISTEN", Local: "127.0.0.1:80", LocalAddr: netip.MustParseAddrPort("127.0.0.1:80"),
				Owner: sockets.Owner{PID: 43, Process: "nginx"}, Cleartext: "http", Alternative: "https 443"},
			{Proto: "tcp", State: "LISTEN", Local: "0.0.0.0:23", LocalAddr: netip.MustParseAddrPort("0.0.0.0:23"),
				Owner: sockets.Owner{PID: 42, Process: "inetd"}, Cleartext: "telnet", Alternative: "ssh 22"},
		},
	}
	rep := ReadSockets(table, DefaultConfig())
	if got := strings.Join(hostKinds(rep.Findings), " "); got != "cleartext_service:inetd/warning cleartext_service:nginx/info" || rep.Status != StatusWarning {
		t.Errorf("findings %s, status %v; want the warning first, status warning", got, rep.Status)
	}
	b, err := json.Marshal(ReadSockets(sockets.Table{}, DefaultConfig()))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"sockets":[]`) || !strings.Contains(s, `"status":"ok"`) || !strings.Contains(s, `"findings":[]`) {
		t.Errorf("empty table: %s", s)
	}
}

// TestReadLink: an interface's findings, and nothing about sockets the
// link check did not read.
func TestReadLink(t *testing.T) {
	down := link.Link{Name: "eth1", Index: 2, Type: "ether", Up: true, OperState: "down"}
	rep := ReadLink(NewLinkEvidence(link.Snapshot{Links: []link.Link{down}}, sockets.Captures{}, nil), DefaultConfig())
	if got := strings.Join(hostKinds(rep.Findings), " "); got != "interface_down:eth1/warning" || rep.Status != StatusWarning {
		t.Errorf("findings %s, status %v", got, rep.Status)
	}
	if rep := ReadLink(LinkEvidence{}, DefaultConfig()); rep.Findings == nil || rep.Status != StatusOK {
		t.Errorf("nothing read: %+v", rep)
	}
	status := func(s link.Snapshot) Status {
		return ReadLink(NewLinkEvidence(s, sockets.Captures{}, nil), DefaultConfig()).Status
	}
	quiet := link.Snapshot{Links: []link.Link{{Name: "eth0", Up: true, Carrier: true}}, TCP: link.TCP{RetransRatio: 0.001}}
	if s := status(quiet); s != StatusOK {
		t.Errorf("quiet host: %v", s)
	}
	lossy := quiet
	lossy.TCP.Interval = &link.TCPInterval{OutSegs: 1000, RetransSegs: 50, RetransRatio: 0.05}
	if s := status(lossy); s != StatusWarning {
		t.Errorf("5%% retransmits over the interval: %v", s)
	}
	hidden := link.Snapshot{Links: []link.Link{{Name: "eth0", Up: true, Carrier: true, Promiscuity: 1}}}
	if s := status(hidden); s != StatusCritical {
		t.Errorf("unexplained promiscuity: %v", s)
	}
}

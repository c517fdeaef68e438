package diagnose

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"netdx/link"
	"netdx/sockets"
)

// TestNewLinkEvidence: each interface's promiscuity counter is explained
// by the capture sockets in promiscuous mode on it (named by their owner,
// or by inode when the owner could not be seen), and by nothing else.
func TestNewLinkEvidence(t *testing.T) {
	eth0 := link.Link{Name: "eth0", Index: 2, Promiscuity: 2}
	eth1 := link.Link{Name: "eth1", Index: 3, Promiscuity: 1, MasterIndex: 9, Master: "br0", MasterKind: "bridge"}
	td := sockets.PacketSocket{Inode: 7, Promisc: true, PromiscIfIndex: 2, Owner: sockets.Owner{PID: 42, Process: "tcpdump"}}
	unseen := sockets.PacketSocket{Inode: 11, Promisc: true, PromiscIfIndex: 2}
	quiet := sockets.PacketSocket{Inode: 12, IfIndex: 2}
	elsewhere := sockets.PacketSocket{Inode: 13, Promisc: true, PromiscIfIndex: 4}
	scan := &sockets.OwnerScan{Processes: 5}
	ev := NewLinkEvidence(link.Snapshot{Links: []link.Link{eth0, eth1}, Interrupted: true},
		sockets.Captures{Sockets: []sockets.PacketSocket{td, unseen, quiet, elsewhere}, Source: "packet_diag", Owners: scan}, nil)

	p := ev.Links[0].Promisc
	if want := []string{"capture socket of tcpdump[42]", "capture socket 11"}; !slices.Equal(p.ExplainedBy, want) || p.Unexplained != 0 {
		t.Errorf("eth0 explained by %q (%d unexplained), want %q", p.ExplainedBy, p.Unexplained, want)
	}
	if len(p.Captures) != 2 || p.Captures[0].Inode != 7 || p.Captures[1].Inode != 11 {
		t.Errorf("eth0's promiscuous captures %+v, want inodes 7 and 11", p.Captures)
	}
	if p := ev.Links[1].Promisc; len(p.Captures) != 0 || !slices.Equal(p.ExplainedBy, []string{"port of bridge br0"}) {
		t.Errorf("eth1 %+v, want explained by its bridge alone", p)
	}
	if len(ev.CaptureSockets) != 4 || ev.CaptureSource != "packet_diag" || ev.Owners != scan || !ev.Interrupted {
		t.Errorf("evidence %+v", ev)
	}
	// No capture socket is an empty list, not a missing one.
	b, err := json.Marshal(NewLinkEvidence(link.Snapshot{Links: []link.Link{eth0}}, sockets.Captures{}, nil))
	if err != nil || !strings.Contains(string(b), `"capture_sockets":[]`) || !strings.Contains(string(b), `"unexplained":2`) {
		t.Errorf("%s %v", b, err)
	}
}

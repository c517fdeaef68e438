package netdx

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/internal/testkit"
	"netdx/link"
	"netdx/sockets"
)

// sampleSnapshot is a host with a sniffer on eth0, errors on it, a bridge
// port and a lossy TCP connection.
func sampleSnapshot() diagnose.LinkEvidence {
	tcpdump := sockets.PacketSocket{Inode: 4711, Type: "raw", Protocol: "all", IfIndex: 2, Interface: "eth0",
		Promisc: true, PromiscKnown: true, PromiscIfIndex: 2, User: "root", Owner: sockets.Owner{PID: 4242, Process: "tcpdump"}}
	dhcp := sockets.PacketSocket{Inode: 4712, Type: "dgram", Protocol: "ip", IfIndex: 2, Interface: "eth0",
		PromiscKnown: true, User: "root", Owner: sockets.Owner{PID: 501, Process: "dhclient"}}
	links := []link.Link{
		{Name: "lo", Index: 1, Type: "loopback", MTU: 65536, OperState: "unknown", Up: true, Carrier: true,
			Flags: []string{"up", "loopback", "running", "lower_up"}, Stats: link.Stats{RxPackets: 120, TxPackets: 120, RxBytes: 9000, TxBytes: 9000}},
		{Name: "eth0", Index: 2, Type: "veth", Kind: "veth", MTU: 1500, OperState: "up", Up: true, Carrier: true, CarrierChanges: 4,
			Flags: []string{"up", "broadcast", "running", "multicast", "lower_up"}, Promiscuity: 1,
			Stats: link.Stats{RxPackets: 1_250_000, TxPackets: 980_000, RxBytes: 1_400_000_000, TxBytes: 95_000_000, RxErrors: 37, RxCRCErrors: 30, RxFrameErrors: 7, RxDropped: 2}},
		{Name: "vp0", Index: 5, Type: "veth", Kind: "veth", MTU: 1500, OperState: "up", Up: true, Carrier: true, MasterIndex: 3, Master: "br0", MasterKind: "bridge",
			Flags: []string{"up", "broadcast", "running", "multicast", "lower_up"}, Promiscuity: 1},
		{Name: "eth1", Index: 6, Type: "veth", Kind: "veth", MTU: 1500, OperState: "lowerlayerdown", Up: true, Carrier: false,
			Flags: []string{"up", "broadcast", "multicast"}},
	}
	caps := []sockets.PacketSocket{tcpdump, dhcp}
	tcp := link.TCP{InSegs: 900_000, OutSegs: 1_000_000, RetransSegs: 31_000, RetransRatio: 0.031, SynRetrans: 12, Timeouts: 40, LostRetransmit: 3, CurrEstab: 17}
	tcp.Interval = &link.TCPInterval{OutSegs: 2000, RetransSegs: 90, RetransRatio: 0.045, Timeouts: 1}
	worst := sockets.Socket{Proto: "tcp", Family: "ipv4", State: "ESTABLISHED", Local: "198.18.1.1:40022", Remote: "198.18.2.2:443",
		Owner: sockets.Owner{PID: 777, Process: "curl"}, TCPInfo: &sockets.TCPInfo{TotalRetrans: 88, SegsOut: 2000, RTTMS: 81.25}}
	snap := link.Snapshot{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Links: links, TCP: tcp,
		ICMP: link.ICMP{InMsgs: 10, InErrors: 1, OutMsgs: 12}}
	return diagnose.NewLinkEvidence(snap, sockets.Captures{Sockets: caps, Source: "packet_diag", Owners: &sockets.OwnerScan{Processes: 90}},
		[]sockets.Socket{worst})
}

// rules are the thresholds the golden files were made with.
var rules = func() diagnose.Config {
	c := diagnose.DefaultConfig()
	c.MaxRetransPct, c.AllowedCapture = 2, []string{"dhclient"}
	return c
}()

func TestRenderLinkGolden(t *testing.T) {
	rep := diagnose.ReadLink(sampleSnapshot(), rules)
	var b bytes.Buffer
	Link(&b, rep)
	goldenAt(t, "link", "text.golden", b.String())
	if rep.Status != diagnose.StatusCritical {
		t.Errorf("status %v, want critical for a sniffer", rep.Status)
	}
	b.Reset()
	if err := WriteCompactJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "link", "json.golden", b.String())
}

var update = flag.Bool("update", false, "write golden files again")

// goldenAt compares got with testdata/dir/name, or rewrites it with
// -update.
func goldenAt(t *testing.T, dir, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", dir, name), got, *update)
}

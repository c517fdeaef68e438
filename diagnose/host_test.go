package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"netdx/link"
	"netdx/sockets"
)

func hostKinds(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Kind)+":"+f.Interface+f.Process+"/"+f.Severity.String())
	}
	return out
}

func TestHostRules(t *testing.T) {
	index := 0
	eth := func(name string) link.Link {
		index++
		return link.Link{Name: name, Index: index, Type: "ether", Up: true, Carrier: true, OperState: "up",
			Stats: link.Stats{RxPackets: 1000, TxPackets: 1000}}
	}
	clean := eth("eth0")
	down := eth("eth1")
	down.Carrier, down.OperState = false, "down"
	sniffed := eth("eth2")
	sniffed.Promiscuity = 1
	tcpdump := sockets.PacketSocket{Inode: 77, Protocol: "all", Promisc: true, PromiscKnown: true, PromiscIfIndex: sniffed.Index,
		Owner: sockets.Owner{PID: 4242, Process: "tcpdump"}, User: "root"}
	hidden := eth("eth3")
	hidden.Promiscuity = 2
	flagged := eth("eth4")
	flagged.PromiscFlag, flagged.Promiscuity = true, 1
	bridged := eth("eth5")
	bridged.Promiscuity, bridged.MasterIndex, bridged.Master, bridged.MasterKind = 1, 99, "br0", "bridge"
	oldErrs := eth("eth6")
	oldErrs.Stats.RxErrors, oldErrs.Stats.RxCRCErrors = 5, 5
	nowErrs := eth("eth7")
	nowErrs.Rates = &link.Rates{IntervalMS: 1000, Delta: link.Stats{RxPackets: 100, RxErrors: 3, RxFrameErrors: 3}}
	lo := link.Link{Name: "lo", Type: "loopback", Up: true, Carrier: false}

	snap := NewLinkEvidence(link.Snapshot{
		Links: []link.Link{clean, down, sniffed, hidden, flagged, bridged, oldErrs, nowErrs, lo},
		TCP:   link.TCP{OutSegs: 100000, RetransSegs: 300, RetransRatio: 0.003, Interval: &link.TCPInterval{OutSegs: 1000, RetransSegs: 80}},
	}, sockets.Captures{Sockets: []sockets.PacketSocket{tcpdump}}, nil)
	table := sockets.Table{
		Sockets: []sockets.Socket{
			{Proto: "tcp", State: "LISTEN", Local: "0.0.0.0:23", LocalAddr: netip.MustParseAddrPort("0.0.0.0:23"),
				Owner: sockets.Owner{PID: 42, Process: "inetd"}, Cleartext: "telnet", Alternative: "ssh 22"},
			{Proto: "tcp", State: "LISTEN", Local: "127.0.0.1:80", LocalAddr: netip.MustParseAddrPort("127.0.0.1:80"),
				Owner: sockets.Owner{PID: 43, Process: "nginx"}, Cleartext: "http", Alternative: "https 443"},
			{Proto: "tcp", State: "ESTAB", Local: "198.18.0.1:23", LocalAddr: netip.MustParseAddrPort("198.18.0.1:23"), Cleartext: "telnet"},
			{Proto: "tcp", State: "LISTEN", Local: "0.0.0.0:22", LocalAddr: netip.MustParseAddrPort("0.0.0.0:22")},
		},
		Routes: []sockets.Route{
			{Dst: "default", Default: true, Gateway: "198.18.0.254", Interface: "eth0", Unexpected: true},
			{Dst: "198.19.0.0/16", Gateway: "198.18.0.253", Interface: "eth0", Unexpected: true},
			{Dst: "198.19.1.0/24", Gateway: "198.18.0.1", Interface: "eth0"},
		},
	}
	got := hostKinds(Host(snap, table, DefaultConfig()))
	want := []string{
		"interface_down:eth1/warning",
		"sniffer:eth2tcpdump/critical",
		"sniffer:eth3/critical",
		"promiscuous:eth4/warning",
		"interface_errors:eth6/info",
		"interface_errors:eth7/warning",
		"retransmits:/warning",
		"cleartext_service:inetd/warning",
		"cleartext_service:nginx/info",
		"unexpected_gateway:eth0/critical",
		"unexpected_gateway:eth0/warning",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRetransmitThresholds(t *testing.T) {
	cases := []struct {
		tcp  link.TCP
		want string
	}{
		{link.TCP{Interval: &link.TCPInterval{OutSegs: 1000, RetransSegs: 15}}, ""},                    // 1.5 %
		{link.TCP{Interval: &link.TCPInterval{OutSegs: 50, RetransSegs: 25}}, ""},                      // too few segments
		{link.TCP{Interval: &link.TCPInterval{Reset: true}, OutSegs: 5000, RetransRatio: 0.5}, "info"}, // reset: since boot
		{link.TCP{OutSegs: 5000, RetransSegs: 500, RetransRatio: 0.1}, "info"},
		{link.TCP{OutSegs: 500, RetransSegs: 50, RetransRatio: 0.1}, ""},
	}
	for i, tc := range cases {
		fs := retransmits(tc.tcp, DefaultConfig())
		got := ""
		if len(fs) == 1 {
			got = fs[0].Severity.String()
		}
		if got != tc.want {
			t.Errorf("case %d: %+v gave %q, want %q", i, tc.tcp, got, tc.want)
		}
	}
}

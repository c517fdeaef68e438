package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"netdx/link"
	"netdx/sockets"
)

func TestTimeWaitRule(t *testing.T) {
	sys := func(reuse int) *sockets.TimeWaitSysctls {
		return &sockets.TimeWaitSysctls{MaxBuckets: 2000, Reuse: reuse, PortLow: 40000, PortHigh: 40999}
	}
	for _, tc := range []struct {
		name string
		tw   *sockets.TimeWait
		cfg  Config
		want string
	}{
		{"none", nil, DefaultConfig(), ""},
		{"few", &sockets.TimeWait{Count: 300, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 300, Sysctls: sys(0)}, DefaultConfig(), ""},
		{"many, spread", &sockets.TimeWait{Count: 1500, Outgoing: 10, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 10, Sysctls: sys(0)}, DefaultConfig(), "warning"},
		{"under a lower threshold", &sockets.TimeWait{Count: 300, Sysctls: sys(0)}, withConfig(func(c *Config) { c.TimeWaitPileup = 200 }), "warning"},
		{"half the ports to one endpoint", &sockets.TimeWait{Count: 600, Outgoing: 600, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 600, Sysctls: sys(0)}, DefaultConfig(), "warning"},
		{"the ports nearly gone", &sockets.TimeWait{Count: 950, Outgoing: 950, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 950, Sysctls: sys(0)}, DefaultConfig(), "critical"},
		{"the ports nearly gone, reuse on", &sockets.TimeWait{Count: 950, Outgoing: 950, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 950, Sysctls: sys(1)}, DefaultConfig(), "warning"},
		{"loopback reuse, remote endpoint", &sockets.TimeWait{Count: 950, Outgoing: 950, TopEndpoint: "198.18.0.2:80", TopEndpointCount: 950, Sysctls: sys(2)}, DefaultConfig(), "critical"},
		{"loopback reuse, loopback endpoint", &sockets.TimeWait{Count: 950, Outgoing: 950, TopEndpoint: "127.0.0.1:80", TopEndpointCount: 950, Sysctls: sys(2)}, DefaultConfig(), "warning"},
		{"sysctls unread", &sockets.TimeWait{Count: 1500}, DefaultConfig(), "warning"},
	} {
		fs := timeWait(tc.tw, tc.cfg)
		got := ""
		if len(fs) == 1 {
			got = fs[0].Severity.String()
		}
		if got != tc.want || len(fs) > 1 {
			t.Errorf("%s: %v, want %q", tc.name, fs, tc.want)
		}
	}
}

func TestDeletedExecutableRule(t *testing.T) {
	ap := netip.MustParseAddrPort
	sock := func(pid int, exe string, deleted bool, local string) sockets.Socket {
		return sockets.Socket{Proto: "tcp", State: "LISTEN", Local: local, LocalAddr: ap(local), User: "root",
			Owner: sockets.Owner{PID: pid, Process: "p", Exe: exe, ExeDeleted: deleted}}
	}
	socks := []sockets.Socket{
		sock(10, "/usr/sbin/sshd", true, "0.0.0.0:22"), // replaced by an upgrade, not restarted
		sock(11, "/dev/shm/.x", true, "0.0.0.0:4444"),
		sock(11, "/dev/shm/.x", true, "[::]:4444"),
		sock(12, "/usr/bin/ncat", false, "0.0.0.0:5555"),
		sock(13, "/memfd:payload", true, "0.0.0.0:6666"),
	}
	caps := []sockets.PacketSocket{{Inode: 5, Protocol: "all", Interface: "eth0", Owner: sockets.Owner{PID: 11, Process: "p", Exe: "/dev/shm/.x", ExeDeleted: true}}}
	fs := deletedExecutables(socks, caps)
	var got []string
	for _, f := range fs {
		got = append(got, f.Severity.String())
	}
	if strings.Join(got, " ") != "warning critical critical" || fs[1].PID != 11 || fs[1].Evidence["socket_count"] != 3 {
		t.Errorf("findings %v: %+v", got, fs)
	}
	// A process holding many sockets lists a few, and counts them all.
	var many []sockets.Socket
	for i := range 20 {
		many = append(many, sock(14, "/tmp/x", true, netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(1000+i)).String()))
	}
	fs = deletedExecutables(many, nil)
	if len(fs) != 1 || len(fs[0].Evidence["sockets"].([]string)) != maxListed || fs[0].Evidence["socket_count"] != 20 || !strings.Contains(fs[0].Summary, "and 12 more") {
		t.Errorf("%+v", fs)
	}
}

func TestCleartextReach(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, tc := range []struct {
		s    sockets.Socket
		want string
	}{
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "0.0.0.0:23", LocalAddr: ap("0.0.0.0:23")}, "warning"},
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "198.18.0.1:23", LocalAddr: ap("198.18.0.1:23")}, "warning"},
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "127.0.0.1:23", LocalAddr: ap("127.0.0.1:23")}, "info"},
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "[::ffff:127.0.0.1]:23", LocalAddr: ap("[::ffff:127.0.0.1]:23")}, "info"},
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "[::1]:23", LocalAddr: ap("[::1]:23")}, "info"},
		{sockets.Socket{Proto: "tcp", State: "LISTEN", Local: "0.0.0.0:23", LocalAddr: ap("0.0.0.0:23"), Interface: "lo"}, "info"},
		{sockets.Socket{Proto: "udp", State: "UNCONN", Local: "0.0.0.0:69", LocalAddr: ap("0.0.0.0:69"), RemoteAddr: ap("0.0.0.0:0")}, "warning"},
		// A telnet session, not a listener: the listener is the finding.
		{sockets.Socket{Proto: "tcp", State: "ESTABLISHED", Local: "198.18.0.1:23", LocalAddr: ap("198.18.0.1:23"), RemoteAddr: ap("198.18.0.2:40000")}, ""},
	} {
		if svc, ok := sockets.Cleartext(tc.s.Proto, tc.s.LocalAddr.Port()); ok {
			tc.s.Cleartext, tc.s.Alternative = svc.Name, svc.Alternative
		}
		fs := cleartext([]sockets.Socket{tc.s})
		got := ""
		if len(fs) == 1 {
			got = fs[0].Severity.String()
		}
		if got != tc.want {
			t.Errorf("%s %s %s on %q: %q, want %q", tc.s.Proto, tc.s.State, tc.s.Local, tc.s.Interface, got, tc.want)
		}
	}
}

// TestFlappingSubsumesDown: a link that is down at the end of an interval
// in which it flapped is one finding, flapping, not two.
func TestFlappingSubsumesDown(t *testing.T) {
	l := link.Link{Name: "eth0", Type: "ether", Up: true, Carrier: false, OperState: "lowerlayerdown", CarrierChanges: 30,
		Rates: &link.Rates{IntervalMS: 1000, CarrierChanges: 7}}
	fs := linkFindings(Interface{Link: l}, DefaultConfig(), map[uint32]bool{})
	if len(fs) != 1 || fs[0].Kind != KindInterfaceFlapping || fs[0].Severity != Warning || !strings.Contains(fs[0].Summary, "down now") {
		t.Errorf("%+v", fs)
	}
	// Down once during the interval: that is a link down.
	l.Rates.CarrierChanges = 1
	fs = linkFindings(Interface{Link: l}, DefaultConfig(), map[uint32]bool{})
	if len(fs) != 2 || fs[0].Kind != KindInterfaceFlapping || fs[0].Severity != Info || fs[1].Kind != KindInterfaceDown {
		t.Errorf("%+v", fs)
	}
	// The loopback has no carrier to speak of.
	if fs := linkFindings(Interface{Link: link.Link{Name: "lo", Type: "loopback", Up: true, CarrierChanges: 99}}, DefaultConfig(), map[uint32]bool{}); len(fs) != 0 {
		t.Errorf("lo: %+v", fs)
	}
}

// TestCaptureSocketsOfATable: "netdx sockets --capture" judges capture
// sockets with the same rule as the interfaces, once each.
func TestCaptureSocketsOfATable(t *testing.T) {
	td := sockets.PacketSocket{Inode: 7, Interface: "eth0", Promisc: true, PromiscKnown: true, PromiscIfIndex: 2, Owner: sockets.Owner{PID: 42, Process: "tcpdump"}}
	quiet := sockets.PacketSocket{Inode: 8, Interface: "eth0", PromiscKnown: true, Owner: sockets.Owner{PID: 43, Process: "lldpd"}}
	fs := Host(LinkEvidence{}, sockets.Table{CaptureSockets: []sockets.PacketSocket{td, quiet}}, DefaultConfig())
	if len(fs) != 1 || fs[0].Kind != KindSniffer || fs[0].PID != 42 || fs[0].Severity != Critical {
		t.Errorf("%+v", fs)
	}
	if fs := Host(LinkEvidence{}, sockets.Table{CaptureSockets: []sockets.PacketSocket{td}}, withConfig(func(c *Config) { c.AllowedCapture = []string{"tcpdump"} })); len(fs) != 0 {
		t.Errorf("allowed: %+v", fs)
	}
	// Seen on an interface and in the table: one finding.
	eth0 := link.Link{Name: "eth0", Index: 2, Up: true, Carrier: true, Promiscuity: 1}
	ev := NewLinkEvidence(link.Snapshot{Links: []link.Link{eth0}}, sockets.Captures{Sockets: []sockets.PacketSocket{td}}, nil)
	fs = Host(ev, sockets.Table{CaptureSockets: []sockets.PacketSocket{td}}, DefaultConfig())
	if len(fs) != 1 {
		t.Errorf("%+v", fs)
	}
}

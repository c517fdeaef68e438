package netdx

import (
	"bytes"
	"net/netip"
	"testing"

	"netdx/diagnose"
	"netdx/sockets"
)

func TestRenderSocketsGolden(t *testing.T) {
	cfg := sockets.DefaultConfig()
	cfg.Owners, cfg.Routes, cfg.Capture = true, true, true
	tab := sockets.Table{
		Sockets: []sockets.Socket{
			{Proto: "tcp", Family: "ipv4", State: "LISTEN", Local: "0.0.0.0:22", Remote: "0.0.0.0:0", SendQ: 128, User: "root", Owner: sockets.Owner{PID: 612, Process: "sshd"}},
			{Proto: "tcp", Family: "ipv4", State: "LISTEN", Local: "0.0.0.0:23", Remote: "0.0.0.0:0", SendQ: 10, User: "root",
				Owner: sockets.Owner{PID: 4242, Process: "inetd"}, Cleartext: "telnet", Alternative: "ssh on 22 (or telnets on 992)"},
			{Proto: "tcp", Family: "ipv6", State: "LISTEN", Local: "[::]:80", Remote: "[::]:0", SendQ: 511, User: "www-data",
				Owner: sockets.Owner{PID: 900, Process: "nginx"}, OtherOwners: []sockets.Owner{{PID: 901, Process: "nginx"}}, Cleartext: "http", Alternative: "https on 443"},
			{Proto: "udp", Family: "ipv4", State: "UNCONN", Local: "0.0.0.0:68", Remote: "0.0.0.0:0", User: "root"},
		},
		States:         map[string]map[string]int{"tcp": {"LISTEN": 3, "ESTABLISHED": 12, "TIME_WAIT": 1500}, "udp": {"UNCONN": 1}},
		CaptureSockets: sampleSnapshot().CaptureSockets, CaptureSource: "packet_diag",
		TimeWait: &sockets.TimeWait{Count: 1500, TopRemote: "198.18.2.2", TopRemoteCount: 1400, Outgoing: 1450, TopEndpoint: "198.18.2.2:443", TopEndpointCount: 1400,
			Sysctls: &sockets.TimeWaitSysctls{MaxBuckets: 4096, Reuse: 2, PortLow: 32768, PortHigh: 60999}},
		Owners: &sockets.OwnerScan{Processes: 80, Unreadable: 0, Unowned: 1},
		Routes: sockets.CheckGateways([]sockets.Route{
			{Family: "ipv4", Dst: "default", Default: true, Gateway: "198.18.1.254", Interface: "eth0", Table: 254},
			{Family: "ipv4", Dst: "198.18.9.0/24", Gateway: "198.18.1.66", Interface: "eth0", Metric: 10, Table: 254},
		}, []netip.Addr{netip.MustParseAddr("198.18.1.254")}),
	}
	rep := diagnose.ReadSockets(tab, diagnose.DefaultConfig())
	var b bytes.Buffer
	Sockets(&b, rep, cfg)
	goldenAt(t, "sockets", "text.golden", b.String())
	// tcpdump's promiscuous capture socket is a sniffer.
	if rep.Status != diagnose.StatusCritical {
		t.Errorf("status %v, want critical", rep.Status)
	}
	b.Reset()
	if err := WriteCompactJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	goldenAt(t, "sockets", "json.golden", b.String())
}

package link

import (
	"fmt"
	"strings"
	"testing"

	"netdx/sockets"
)

func TestExplainPromisc(t *testing.T) {
	tcpdump := sockets.PacketSocket{Inode: 7, Promisc: true, PromiscKnown: true, PromiscIfIndex: 2, IfIndex: 2,
		Owner: sockets.Owner{PID: 42, Process: "tcpdump"}}
	dhcp := sockets.PacketSocket{Inode: 8, Promisc: true, PromiscKnown: true, PromiscIfIndex: 2,
		Owner: sockets.Owner{PID: 9, Process: "dhclient"}}
	quiet := sockets.PacketSocket{Inode: 9, IfIndex: 2, PromiscKnown: true, Owner: sockets.Owner{PID: 10, Process: "lldpd"}}
	cases := []struct {
		name        string
		link        Link
		master      string
		caps        []sockets.PacketSocket
		unexplained int
		sniffers    int
	}{
		{"tcpdump: counter without flag", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{tcpdump, quiet}, 0, 1},
		{"flag set by admin", Link{Index: 2, Promiscuity: 1, PromiscFlag: true}, "", nil, 0, 0},
		{"bridge port", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, Master: "br0"}, "bridge", nil, 0, 0},
		{"bond slave of a promisc bond", Link{Index: 2, Promiscuity: 1, MasterIndex: 5}, "bond", nil, 0, 0},
		{"vrf member is not promiscuous by design", Link{Index: 2, Promiscuity: 1, MasterIndex: 5}, "vrf", nil, 1, 0},
		{"hidden sniffer", Link{Index: 2, Promiscuity: 2}, "bridge", nil, 1, 0},
		{"whitelisted dhcp client", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{dhcp}, 0, 0},
		{"capture on another interface", Link{Index: 3, Promiscuity: 1}, "", []sockets.PacketSocket{tcpdump}, 1, 0},
		{"owner not visible is a sniffer", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{{Inode: 11, Promisc: true, PromiscIfIndex: 2}}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ExplainPromisc(tc.link, tc.master, tc.caps, []string{"dhclient"})
			if p.Unexplained != tc.unexplained || len(p.Sniffers) != tc.sniffers {
				t.Errorf("unexplained %d sniffers %d, want %d and %d (%+v)", p.Unexplained, len(p.Sniffers), tc.unexplained, tc.sniffers, p)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	l := Link{Name: "eth0", Up: true, Carrier: false, OperState: "down", Type: "veth",
		Stats: Stats{RxPackets: 100, RxErrors: 3, RxCRCErrors: 3}}
	l.Promisc = ExplainPromisc(Link{Index: 1, Promiscuity: 1}, "", nil, nil)
	kinds := map[string]int{}
	for _, p := range Problems(l) {
		kinds[p.Kind]++
	}
	if kinds["interface_down"] != 1 || kinds["interface_errors"] != 1 || kinds["promiscuous"] != 1 {
		t.Errorf("problems by kind %v", kinds)
	}
	// Errors long ago but none in the interval: nothing to report now.
	l = Link{Name: "eth0", Up: true, Carrier: true, Stats: Stats{RxPackets: 100, RxErrors: 3}, Rates: &Rates{IntervalMS: 1000}}
	if p := Problems(l); len(p) != 0 {
		t.Errorf("quiet interval: %v", p)
	}
	// A few drops since boot on a busy link are normal.
	l = Link{Name: "eth0", Up: true, Carrier: true, Stats: Stats{RxPackets: 100000, RxDropped: 3}}
	if p := Problems(l); len(p) != 0 {
		t.Errorf("3 drops in 100000: %v", p)
	}
}

func ExampleExplainPromisc() {
	eth0 := Link{Name: "eth0", Index: 2, Promiscuity: 2}
	caps := []sockets.PacketSocket{{Inode: 7, Promisc: true, PromiscKnown: true, PromiscIfIndex: 2,
		Owner: sockets.Owner{PID: 4242, Process: "tcpdump"}}}
	p := ExplainPromisc(eth0, "", caps, nil)
	fmt.Println(strings.Join(p.ExplainedBy, "; "))
	fmt.Println("unexplained:", p.Unexplained, "sniffers:", len(p.Sniffers))
	// Output:
	// capture socket of tcpdump[4242]
	// unexplained: 1 sniffers: 1
}

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
		captures    int
	}{
		{"tcpdump: counter without flag", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{tcpdump, quiet}, 0, 1},
		{"flag set by admin", Link{Index: 2, Promiscuity: 1, PromiscFlag: true}, "", nil, 0, 0},
		{"bridge port", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, Master: "br0"}, "bridge", nil, 0, 0},
		{"bond slave of a promisc bond", Link{Index: 2, Promiscuity: 1, MasterIndex: 5}, "bond", nil, 0, 0},
		{"vrf member is not promiscuous by design", Link{Index: 2, Promiscuity: 1, MasterIndex: 5}, "vrf", nil, 1, 0},
		{"hidden sniffer", Link{Index: 2, Promiscuity: 2}, "bridge", nil, 1, 0},
		{"dhcp client's capture explains the counter", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{dhcp}, 0, 1},
		{"capture on another interface", Link{Index: 3, Promiscuity: 1}, "", []sockets.PacketSocket{tcpdump}, 1, 0},
		{"owner not visible", Link{Index: 2, Promiscuity: 1}, "", []sockets.PacketSocket{{Inode: 11, Promisc: true, PromiscIfIndex: 2}}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ExplainPromisc(tc.link, tc.master, tc.caps)
			if p.Unexplained != tc.unexplained || len(p.Captures) != tc.captures {
				t.Errorf("unexplained %d captures %d, want %d and %d (%+v)", p.Unexplained, len(p.Captures), tc.unexplained, tc.captures, p)
			}
		})
	}
}

func ExampleExplainPromisc() {
	eth0 := Link{Name: "eth0", Index: 2, Promiscuity: 2}
	caps := []sockets.PacketSocket{{Inode: 7, Promisc: true, PromiscKnown: true, PromiscIfIndex: 2,
		Owner: sockets.Owner{PID: 4242, Process: "tcpdump"}}}
	p := ExplainPromisc(eth0, "", caps)
	fmt.Println(strings.Join(p.ExplainedBy, "; "))
	fmt.Println("unexplained:", p.Unexplained, "promiscuous captures:", len(p.Captures))
	// Output:
	// capture socket of tcpdump[4242]
	// unexplained: 1 promiscuous captures: 1
}

package link

import (
	"fmt"
	"strings"
	"testing"
)

func TestExplainPromisc(t *testing.T) {
	cases := []struct {
		name        string
		link        Link
		others      []string
		unexplained int
		explained   int
	}{
		{"tcpdump: counter without flag", Link{Index: 2, Promiscuity: 1}, []string{"capture socket of tcpdump[42]"}, 0, 1},
		{"flag set by admin", Link{Index: 2, Promiscuity: 1, PromiscFlag: true}, nil, 0, 1},
		{"bridge port", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, Master: "br0", MasterKind: "bridge"}, nil, 0, 1},
		{"bond slave of a promisc bond", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, MasterKind: "bond"}, nil, 0, 1},
		{"vrf member is not promiscuous by design", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, MasterKind: "vrf"}, nil, 1, 0},
		{"hidden sniffer", Link{Index: 2, Promiscuity: 2, MasterIndex: 5, MasterKind: "bridge"}, nil, 1, 1},
		{"flag and a capture", Link{Index: 2, Promiscuity: 2, PromiscFlag: true}, []string{"capture socket 11"}, 0, 2},
		{"more users than the counter", Link{Index: 2, Promiscuity: 1, MasterIndex: 5, MasterKind: "bridge"}, []string{"capture socket 11"}, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ExplainPromisc(tc.link, tc.others)
			if p.Unexplained != tc.unexplained || len(p.ExplainedBy) != tc.explained || p.Counter != tc.link.Promiscuity || p.Flag != tc.link.PromiscFlag {
				t.Errorf("unexplained %d explained by %q, want %d and %d users (%+v)", p.Unexplained, p.ExplainedBy, tc.unexplained, tc.explained, p)
			}
		})
	}
}

func ExampleExplainPromisc() {
	eth0 := Link{Name: "eth0", Index: 2, Promiscuity: 2}
	p := ExplainPromisc(eth0, []string{"capture socket of tcpdump[4242]"})
	fmt.Println(strings.Join(p.ExplainedBy, "; "))
	fmt.Println("unexplained:", p.Unexplained)
	// Output:
	// capture socket of tcpdump[4242]
	// unexplained: 1
}

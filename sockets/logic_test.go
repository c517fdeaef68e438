package sockets

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestScanOwners reads a /proc tree made of the links the kernel shows in
// /proc/PID/fd: a socket held by two processes, a socket nobody asked
// about, pipes, a process that exited.
func TestScanOwners(t *testing.T) {
	want := map[uint32]struct{}{48252: {}, 31337: {}}
	owners, st, err := scanOwners("testdata/proc", want)
	if err != nil {
		t.Fatal(err)
	}
	got := owners[48252]
	if len(got) != 2 || got[0] != (Owner{100, "ncat"}) || got[1] != (Owner{200, "inetd"}) {
		t.Errorf("owners of 48252: %+v", got)
	}
	if _, ok := owners[999]; ok {
		t.Error("socket 999 was not asked for")
	}
	if st.Processes != 3 || st.Unreadable != 0 {
		t.Errorf("scan %+v, want 3 processes, none unreadable", st)
	}
	all, _, err := scanOwners("testdata/proc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || len(all[999]) != 1 {
		t.Errorf("every socket: %+v", all)
	}
}

func TestCleartext(t *testing.T) {
	for _, tc := range []struct {
		proto string
		port  uint16
		name  string
	}{{"tcp", 23, "telnet"}, {"tcp", 21, "ftp"}, {"tcp", 110, "pop3"}, {"tcp", 143, "imap"}, {"tcp", 80, "http"},
		{"tcp", 513, "rlogin"}, {"udp", 69, "tftp"}, {"tcp", 22, ""}, {"tcp", 443, ""}, {"udp", 23, ""}, {"tcp", 993, ""}} {
		s, ok := Cleartext(tc.proto, tc.port)
		if s.Name != tc.name || ok != (tc.name != "") {
			t.Errorf("%s/%d: %+v %v, want %q", tc.proto, tc.port, s, ok, tc.name)
		}
		if ok && s.Alternative == "" {
			t.Errorf("%s has no alternative", s.Name)
		}
	}
}

func TestCheckGateways(t *testing.T) {
	routes := []Route{{Dst: "default", Gateway: "198.18.1.2"}, {Dst: "default", Gateway: "2001:db8:1::2"}, {Dst: "198.18.9.0/24", Gateway: "198.18.1.66"}}
	got := CheckGateways(routes, []netip.Addr{netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("2001:db8:1::2")})
	var unexpected []string
	for _, r := range got {
		if r.Unexpected {
			unexpected = append(unexpected, r.Gateway)
		}
	}
	if !slices.Equal(unexpected, []string{"198.18.1.66"}) {
		t.Errorf("unexpected gateways %v", unexpected)
	}
	if routes[2].Unexpected {
		t.Error("CheckGateways changed its input")
	}
	for _, r := range CheckGateways(routes, nil) {
		if r.Unexpected {
			t.Errorf("no allowed list, yet %+v flagged", r)
		}
	}
}

func TestFromNetlinkRoutes(t *testing.T) {
	_, dst, _ := net.ParseCIDR("198.18.9.0/24")
	_, zero, _ := net.ParseCIDR("0.0.0.0/0")
	nl := []netlink.Route{
		{Family: unix.AF_INET, Dst: dst, Gw: net.ParseIP("198.18.1.66"), LinkIndex: 2, Priority: 10, Table: 254},
		{Family: unix.AF_INET, LinkIndex: 2, Dst: dst, Table: 254}, // on-link: no gateway
		{Family: unix.AF_INET6, Gw: net.ParseIP("2001:db8:1::2"), LinkIndex: 2, Priority: 1024, Table: 254},
		{Family: unix.AF_INET, Dst: zero, Table: 254, MultiPath: []*netlink.NexthopInfo{
			{LinkIndex: 2, Gw: net.ParseIP("198.18.1.2")}, {LinkIndex: 3, Gw: net.ParseIP("198.18.2.2")}}},
	}
	got := fromNetlinkRoutes(nl, &ifNames{fd: -1, m: map[int]string{2: "eth0", 3: "eth1"}})
	var s []string
	for _, r := range got {
		s = append(s, fmt.Sprintf("%s %s via %s dev %s", r.Family, r.Dst, r.Gateway, r.Interface))
	}
	want := []string{
		"ipv4 default via 198.18.1.2 dev eth0", "ipv4 default via 198.18.2.2 dev eth1",
		"ipv6 default via 2001:db8:1::2 dev eth0", "ipv4 198.18.9.0/24 via 198.18.1.66 dev eth0",
	}
	if !slices.Equal(s, want) {
		t.Errorf("routes\n%q\nwant\n%q", s, want)
	}
}

func TestPileups(t *testing.T) {
	states := map[string]map[string]int{"tcp": {"TIME_WAIT": 1500, "ESTABLISHED": 3}}
	remotes := map[string]map[string]int{"tcp": {"198.18.0.2": 1400, "198.18.0.3": 100}}
	p := pileups(states, remotes, 0)
	if len(p) != 1 || p[0].Count != 1500 || p[0].TopRemote != "198.18.0.2" || p[0].RemoteCount != 1400 {
		t.Errorf("pileups %+v", p)
	}
	if p := pileups(states, remotes, 2000); len(p) != 0 {
		t.Errorf("under the limit: %+v", p)
	}
}

func TestStateFilter(t *testing.T) {
	keep, err := stateFilter(Config{})
	if err != nil || !keep[10] || !keep[7] || keep[1] {
		t.Errorf("default keeps %v (%v)", keep, err)
	}
	keep, err = stateFilter(Config{States: []string{"TIME_WAIT", "ESTABLISHED"}})
	if err != nil || !keep[6] || !keep[1] || keep[10] {
		t.Errorf("states filter keeps %v (%v)", keep, err)
	}
	if _, err := stateFilter(Config{States: []string{"SLEEPY"}}); err == nil {
		t.Error("unknown state accepted")
	}
	if keep, _ := stateFilter(Config{}); wanted(Config{}, keep, "tcp", 7) || !wanted(Config{}, keep, "udp", 7) {
		t.Error("by default a bound TCP socket is no listener, an unconnected UDP socket is")
	}
	if StateName("udp", 7) != "UNCONN" || StateName("tcp", 7) != "CLOSE" || StateName("tcp", 99) != "UNKNOWN" {
		t.Error("state names")
	}
}

func ExampleCleartext() {
	if s, ok := Cleartext("tcp", 23); ok {
		fmt.Printf("%s is cleartext: use %s\n", s.Name, s.Alternative)
	}
	// Output: telnet is cleartext: use ssh on 22 (or telnets on 992)
}

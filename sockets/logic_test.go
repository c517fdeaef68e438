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
// /proc/PID/fd and /proc/PID/exe: a socket held by two processes (one of
// them running a deleted executable), a socket nobody asked about, pipes,
// a process that exited.
func TestScanOwners(t *testing.T) {
	want := map[uint32]struct{}{48252: {}, 31337: {}}
	owners, st, err := scanOwners("testdata/proc", want)
	if err != nil {
		t.Fatal(err)
	}
	got := owners[48252]
	if len(got) != 2 || got[0] != (Owner{100, "ncat", "/usr/bin/ncat", false}) || got[1] != (Owner{200, "inetd", "/dev/shm/.x/inetd", true}) {
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

func TestParseExeLink(t *testing.T) {
	for _, tc := range []struct {
		link, path string
		deleted    bool
	}{
		{"/usr/sbin/sshd", "/usr/sbin/sshd", false},
		{"/tmp/x (deleted)", "/tmp/x", true},
		{"/memfd: (deleted)", "/memfd:", true},
		// A file named "x (deleted)" that was deleted in turn.
		{"/tmp/x (deleted) (deleted)", "/tmp/x (deleted)", true},
		{"(deleted)", "(deleted)", false},
		{"", "", false},
	} {
		path, deleted := ParseExeLink([]byte(tc.link))
		if path != tc.path || deleted != tc.deleted {
			t.Errorf("ParseExeLink(%q) = %q, %v; want %q, %v", tc.link, path, deleted, tc.path, tc.deleted)
		}
	}
}

func TestCleartext(t *testing.T) {
	for _, tc := range []struct {
		proto  string
		port   uint16
		name   string
		secure uint16
	}{{"tcp", 23, "telnet", 22}, {"tcp", 21, "ftp", 990}, {"tcp", 110, "pop3", 995}, {"tcp", 143, "imap", 993}, {"tcp", 80, "http", 443},
		{"tcp", 513, "rlogin", 22}, {"tcp", 514, "rsh", 22}, {"udp", 514, "syslog", 6514}, {"udp", 69, "tftp", 22},
		{"tcp", 22, "", 0}, {"tcp", 443, "", 0}, {"udp", 23, "", 0}, {"tcp", 993, "", 0}, {"tcp", 25, "", 0}} {
		s, ok := Cleartext(tc.proto, tc.port)
		if s.Name != tc.name || ok != (tc.name != "") || s.SecurePort != tc.secure {
			t.Errorf("%s/%d: %+v %v, want %q (secure port %d)", tc.proto, tc.port, s, ok, tc.name, tc.secure)
		}
	}
	// Every entry says what to do instead, is unique, and never names a
	// port of the catalogue as the secure one.
	seen := map[string]bool{}
	for _, s := range Catalogue() {
		key := fmt.Sprint(s.Proto, s.Port)
		if s.Alternative == "" || seen[key] || (s.Proto != "tcp" && s.Proto != "udp") {
			t.Errorf("entry %+v: no alternative, duplicate or bad protocol", s)
		}
		seen[key] = true
		if _, bad := Cleartext("tcp", s.SecurePort); s.SecurePort != 0 && bad {
			t.Errorf("%s: secure port %d is itself cleartext", s.Name, s.SecurePort)
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

func TestTimeWaitCounter(t *testing.T) {
	sys := &TimeWaitSysctls{MaxBuckets: 4096, Reuse: 2, PortLow: 40000, PortHigh: 40999}
	c := newTimeWaitCounter(sys)
	ap := netip.MustParseAddrPort
	for i := range 30 { // ours: ephemeral local ports to one web server
		c.add(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(40000+i)), ap("198.18.0.2:80"))
	}
	for i := range 5 { // ours to another port of the same server
		c.add(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(40500+i)), ap("198.18.0.2:8080"))
	}
	for i := range 40 { // theirs: clients that closed first? no: we closed, local port is our service's
		c.add(ap("198.18.0.1:443"), netip.AddrPortFrom(netip.MustParseAddr("198.18.0.3"), uint16(50000+i)))
	}
	tw := c.result()
	if tw.Count != 75 || tw.TopRemote != "198.18.0.3" || tw.TopRemoteCount != 40 {
		t.Errorf("count %d, top remote %s (%d); want 75, 198.18.0.3 (40)", tw.Count, tw.TopRemote, tw.TopRemoteCount)
	}
	if tw.Outgoing != 35 || tw.TopEndpoint != "198.18.0.2:80" || tw.TopEndpointCount != 30 {
		t.Errorf("outgoing %d, top endpoint %s (%d); want 35, 198.18.0.2:80 (30)", tw.Outgoing, tw.TopEndpoint, tw.TopEndpointCount)
	}
	if tw.Sysctls != sys || sys.Ports() != 1000 {
		t.Errorf("sysctls %+v, %d ports", tw.Sysctls, sys.Ports())
	}
	// Without the sysctls nothing is called outgoing.
	c = newTimeWaitCounter(nil)
	c.add(ap("198.18.0.1:40000"), ap("198.18.0.2:80"))
	if tw := c.result(); tw.Count != 1 || tw.Outgoing != 0 || tw.TopEndpoint != "" {
		t.Errorf("no sysctls: %+v", tw)
	}
}

func TestParseTimeWaitSysctls(t *testing.T) {
	s, err := ParseTimeWaitSysctls([]byte("262144\n"), []byte("2\n"), []byte("32768\t60999\n"))
	if err != nil || s != (TimeWaitSysctls{MaxBuckets: 262144, Reuse: 2, PortLow: 32768, PortHigh: 60999}) || s.Ports() != 28232 {
		t.Errorf("%+v, %v", s, err)
	}
	for _, bad := range [][3]string{
		{"", "2", "1 2"}, {"x", "2", "1 2"}, {"1", "-1", "1 2"}, {"1", "2", "1"}, {"1", "2", "70000 70001"}, {"1", "2", "60999 32768"},
	} {
		if _, err := ParseTimeWaitSysctls([]byte(bad[0]), []byte(bad[1]), []byte(bad[2])); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStateFilter(t *testing.T) {
	keep, err := stateFilter(DefaultConfig())
	if err != nil || !keep[10] || !keep[7] || keep[1] {
		t.Errorf("default keeps %v (%v)", keep, err)
	}
	keep, err = stateFilter(withConfig(func(c *Config) { c.States = []string{"TIME_WAIT", "ESTABLISHED"} }))
	if err != nil || !keep[6] || !keep[1] || keep[10] {
		t.Errorf("states filter keeps %v (%v)", keep, err)
	}
	if _, err := stateFilter(withConfig(func(c *Config) { c.States = []string{"SLEEPY"} })); err == nil {
		t.Error("unknown state accepted")
	}
	if keep, _ := stateFilter(DefaultConfig()); wanted(DefaultConfig(), keep, "tcp", 7) || !wanted(DefaultConfig(), keep, "udp", 7) {
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

// TestWorstConnections: connections without retransmits or tcp_info are
// left out; the most retransmitted segments come first, then the highest
// ratio; at most n.
func TestWorstConnections(t *testing.T) {
	sock := func(local string, retrans, segs uint32) Socket {
		return Socket{Local: local, TCPInfo: &TCPInfo{TotalRetrans: retrans, SegsOut: segs}}
	}
	socks := []Socket{
		sock("a", 0, 100),
		{Local: "b"},
		sock("c", 5, 1000),
		sock("d", 9, 1000),
		sock("e", 5, 100),
		sock("f", 1, 10),
	}
	var got []string
	for _, s := range WorstConnections(socks, 3) {
		got = append(got, s.Local)
	}
	if want := []string{"d", "e", "c"}; !slices.Equal(got, want) {
		t.Errorf("worst %v, want %v", got, want)
	}
	if w := WorstConnections(socks, 10); len(w) != 4 {
		t.Errorf("%d connections with retransmits, want 4", len(w))
	}
	if w := WorstConnections(socks, 0); len(w) != 0 {
		t.Errorf("none asked for, got %d", len(w))
	}
}

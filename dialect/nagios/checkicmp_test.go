package nagios

import (
	"net/netip"
	"strings"
	"testing"

	"netdx/probe"
	"netdx/probe/probetest"
)

// TestCheckICMPLine: check_icmp's line for one and several hosts, an
// unreachable, and -m; the expected lines are check_icmp 2.3.3's.
func TestCheckICMPLine(t *testing.T) {
	warn, crit := ICMPThreshold{200, 40}, ICMPThreshold{500, 80}
	up := probetest.Result("198.18.201.2", 5, 0.014, 0.006, 0.046, 0.010, 0.010)
	dead := probetest.Result("198.18.201.98", 5)
	unreach := probetest.Result("198.18.201.99", 1)
	hostUnreach := &probe.Event{Kind: probe.EventError, ErrType: 3, ErrCode: 1, From: netip.MustParseAddr("198.18.200.2")}
	for _, tc := range []struct {
		rs    []probe.Result
		lost  []*probe.Event
		min   int
		want  string
		state State
	}{
		{[]probe.Result{up}, nil, -1,
			"OK - 198.18.201.2: rta 0.017ms, lost 0%|rta=0.017ms;200.000;500.000;0; pl=0%;40;80;; rtmax=0.046ms;;;; rtmin=0.006ms;;;; ", OK},
		{[]probe.Result{unreach}, []*probe.Event{hostUnreach}, -1,
			"CRITICAL - 198.18.201.99: Host unreachable @ 198.18.200.2. rta nan, lost 100%|rta=0.000ms;200.000;500.000;0; pl=100%;40;80;; rtmax=0.000ms;;;; rtmin=0.000ms;;;; ", Critical},
		{[]probe.Result{up, dead}, nil, -1,
			"CRITICAL - 198.18.201.2: rta 0.017ms, lost 0% :: 198.18.201.98: rta nan, lost 100%|198.18.201.2rta=0.017ms;200.000;500.000;0; 198.18.201.2pl=0%;40;80;; 198.18.201.2rtmax=0.046ms;;;; 198.18.201.2rtmin=0.006ms;;;; 198.18.201.98rta=0.000ms;200.000;500.000;0; 198.18.201.98pl=100%;40;80;; 198.18.201.98rtmax=0.000ms;;;; 198.18.201.98rtmin=0.000ms;;;; ", Critical},
		{[]probe.Result{up, dead}, nil, 1, "OK - ", OK},
		{[]probe.Result{up, dead}, nil, 2, "CRITICAL - ", Critical},
		{[]probe.Result{probetest.Result("198.18.201.2", 5, 250, 250, 250, 250, 250)}, nil, -1, "WARNING - 198.18.201.2: rta 250.000ms, lost 0%|", Warning},
		{[]probe.Result{probetest.Result("198.18.201.2", 5, 1, 1, 1)}, nil, -1, "WARNING - 198.18.201.2: rta 1.000ms, lost 40%|", Warning},
	} {
		lost := tc.lost
		if lost == nil {
			lost = make([]*probe.Event, len(tc.rs))
		}
		line, state := checkICMPLine(tc.rs, lost, warn, crit, tc.min)
		if state != tc.state || !strings.HasPrefix(line, tc.want) {
			t.Errorf("got %v %q\nwant %v %q", state, line, tc.state, tc.want)
		}
	}
}

// TestCheckICMPErrorWords: check_icmp's words for every error of the
// registries, through its line. ICMP's are check_icmp 2.3.3's; an ICMPv6
// error, which it does not decode, gets the words of the ICMP error of
// the same meaning, and an ICMPv6 code no ICMP code means reads as an
// invalid code.
func TestCheckICMPErrorWords(t *testing.T) {
	v4 := map[[2]int]string{
		{3, 0}: "Net unreachable", {3, 1}: "Host unreachable", {3, 2}: "Protocol unreachable (firewall?)",
		{3, 3}: "Port unreachable (firewall?)", {3, 4}: "Fragmentation needed", {3, 5}: "Source route failed",
		{3, 6}: "Unknown network", {3, 7}: "Unknown host", {3, 8}: "Source host isolated",
		{3, 9}: "Network denied (firewall?)", {3, 10}: "Host denied (firewall?)",
		{3, 11}: "Bad TOS for network (firewall?)", {3, 12}: "Bad TOS for host (firewall?)",
		{3, 13}: "Prohibited by filter (firewall)", {3, 14}: "Host precedence violation", {3, 15}: "Precedence cutoff",
		{3, 16}: "Invalid code", {11, 0}: "Time to live exceeded in transit", {11, 1}: "Fragment reassembly time exceeded",
		{11, 2}: "Invalid code", {4, 0}: "Transmitting too fast", {5, 1}: "Redirect (change route)",
		{12, 0}: "Bad IP header (required option absent)", {12, 2}: "Bad IP header (required option absent)",
	}
	v6 := map[[2]int]string{
		{1, 0}: "Net unreachable", {1, 1}: "Prohibited by filter (firewall)", {1, 2}: "Host unreachable",
		{1, 3}: "Host unreachable", {1, 4}: "Port unreachable (firewall?)", {1, 5}: "Prohibited by filter (firewall)",
		{1, 6}: "Prohibited by filter (firewall)", {1, 7}: "Source route failed", {1, 8}: "Invalid code",
		{1, 9}: "Invalid code", {2, 0}: "Fragmentation needed", {3, 0}: "Time to live exceeded in transit",
		{3, 1}: "Fragment reassembly time exceeded", {3, 2}: "Invalid code",
		{4, 0}: "Bad IP header (required option absent)", {4, 3}: "Bad IP header (required option absent)",
		{4, 10}: "Bad IP header (required option absent)",
	}
	warn, crit := ICMPThreshold{200, 40}, ICMPThreshold{500, 80}
	for addr, codes := range map[string]map[[2]int]string{"198.18.201.99": v4, "2001:db8:201::99": v6} {
		for tc, words := range codes {
			r := probetest.Result(addr, 1)
			ev := &probe.Event{Kind: probe.EventError, ErrType: tc[0], ErrCode: tc[1], From: netip.MustParseAddr("198.18.200.2")}
			line, _ := checkICMPLine([]probe.Result{r}, []*probe.Event{ev}, warn, crit, -1)
			if want := "CRITICAL - " + addr + ": " + words + " @ 198.18.200.2. rta nan"; !strings.HasPrefix(line, want) {
				t.Errorf("%d/%d from %s: %q, want %q…", tc[0], tc[1], addr, line, want)
			}
		}
	}
}

package nagios

import (
	"strings"
	"testing"

	"netdx/icmpmsg"
	"netdx/probe"
	"netdx/probe/probetest"
)

func TestCheckPingGolden(t *testing.T) {
	std := Thresholds{Warn: Threshold{100, 20}, Crit: Threshold{500, 60}}
	dup := probetest.Result("198.18.2.2", 5, 1, 1, 1, 1, 1)
	dup.Duplicates = 2
	cases := []struct {
		name  string
		r     probe.Result
		th    Thresholds
		state State
	}{
		{"ok", probetest.Result("198.18.2.2", 5, 0.041, 0.043, 0.045, 0.040, 0.042), std, OK},
		{"warning-rta", probetest.Result("198.18.2.2", 5, 150, 152, 149, 151, 150), std, Warning},
		{"critical-loss", probetest.Result("198.18.2.2", 5, 20, 21), std, Critical},
		{"loss-truncated", probetest.Result("198.18.2.2", 3, 10, 10), std, Warning},
		{"all-lost", probetest.Result("198.18.2.2", 5), std, Critical},
		{"duplicates", dup, std, Warning},
		{"zero-warn", probetest.Result("198.18.2.2", 5, 1, 1, 1, 1, 1), Thresholds{Warn: Threshold{0, 0}, Crit: Threshold{500, 60}}, Warning},
		{"unresolved", probe.Result{Target: "nosuch.example", Error: "cannot resolve: no such host"}, std, Unknown},
	}
	var all strings.Builder
	for _, tc := range cases {
		line := CheckPingLine(tc.r, tc.th)
		if got := CheckPingState(tc.r, tc.th); got != tc.state {
			t.Errorf("%s: state %v, want %v (%s)", tc.name, got, tc.state, line)
		}
		all.WriteString(tc.name + ": " + line + "\n")
	}
	golden(t, "check_ping.golden", all.String())
	if got := checkPingAlive("h2"); got != "h2 is alive" {
		t.Errorf("alive line %q", got)
	}
}

// TestCheckPingError: what check_ping makes of every error of the
// registries, in each family: the status after iputils' line for it (what
// check_ping 2.3.3 matches in that line), "" when it goes on.
func TestCheckPingError(t *testing.T) {
	const (
		net, host, port, proto = "Network Unreachable", "Host Unreachable", "Bogus ICMP: Port Unreachable", "Bogus ICMP: Protocol Unreachable"
		netProhib, hostProhib  = "Network Prohibited", "Host Prohibited"
		filtered, ttl, dest    = "Packet Filtered", "Time to live exceeded", "Destination Unreachable"
	)
	v4 := map[[2]int]string{
		{3, 0}: net, {3, 1}: host, {3, 2}: proto, {3, 3}: port, {3, 4}: "", {3, 5}: "", {3, 6}: "", {3, 7}: "",
		{3, 8}: "", {3, 9}: netProhib, {3, 10}: hostProhib, {3, 11}: net, {3, 12}: host, {3, 13}: filtered,
		{3, 14}: "", {3, 15}: "", {3, 16}: "", {11, 0}: ttl, {11, 1}: "", {11, 2}: ttl, {12, 0}: "", {12, 1}: "",
		{4, 0}: "", {5, 0}: "", {0, 0}: "",
	}
	v6 := map[[2]int]string{
		{1, 0}: net, {1, 1}: filtered, {1, 2}: dest, {1, 3}: host, {1, 4}: port, {1, 5}: dest, {1, 6}: dest,
		{1, 7}: dest, {1, 8}: dest, {1, 9}: dest, {2, 0}: "", {3, 0}: ttl, {3, 1}: ttl, {3, 2}: ttl,
		{4, 0}: "", {4, 1}: "", {4, 3}: "", {4, 10}: "", {129, 0}: "",
	}
	for i, codes := range []map[[2]int]string{v4, v6} {
		v6 := i == 1
		for tc, want := range codes {
			if want != "" {
				want = "CRITICAL - " + want + " (h)"
			}
			if got := checkPingError(v6, icmpmsg.Classify(v6, tc[0], tc[1]), "h"); got != want {
				t.Errorf("v6=%v %d/%d: %q, want %q", v6, tc[0], tc[1], got, want)
			}
		}
	}
}

package main

import (
	"strings"
	"testing"
)

// The plugins' lines below are what monitoring-plugins 2.3.3 prints on
// Debian 12; the dialects' own tests (dialect/…) check the lines of each
// tool, and the lab tests (compat_lab_test.go) compare with the programs
// themselves.

func TestPersonality(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/lib/nagios/plugins/check_ping -H h": "/usr/lib/nagios/plugins/check_ping check_ping -H h",
		"check_icmp h":               "check_icmp check_icmp h",
		"/opt/netdx/fping -C 5 -q h": "/opt/netdx/fping ping --fping -C 5 -q h",
		"fping6 -c 1 h":              "fping6 ping --fping -6 -c 1 h",
		"/usr/bin/netdx ping h":      "/usr/bin/netdx ping h",
		"netdx-fping -c 1 h":         "netdx-fping -c 1 h",
	} {
		if got := strings.Join(personality(strings.Fields(in)), " "); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestFpingFlagsBad: fping's flags are refused the project's way when
// they cannot mean anything, and fping's are refused without -C.
func TestFpingFlagsBad(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ping", "-C", "0", "198.18.0.9"}, "-C 0:"},
		{[]string{"ping", "-C", "3", "-p", "0", "198.18.0.9"}, "-p 0:"},
		{[]string{"ping", "-C", "3", "-i", "fast", "198.18.0.9"}, "-i fast:"},
		{[]string{"ping", "-C", "3", "-B", "9", "198.18.0.9"}, "-B 9:"},
		{[]string{"ping", "-C", "3", "-r", "-1", "198.18.0.9"}, "-r -1:"},
		{[]string{"ping", "-C", "3", "-b", "4", "198.18.0.9"}, "-b 4:"},
		{[]string{"ping", "-C", "3", "-S", "x", "198.18.0.9"}, "-S x:"},
		{[]string{"ping", "-C", "3", "-c", "3", "198.18.0.9"}, "-c and -C"},
		{[]string{"ping", "-C", "3", "-W", "1", "198.18.0.9"}, "-W is iputils'"},
		{[]string{"ping", "-C", "70000", "198.18.0.9"}, "at most 65535"},
		{[]string{"ping", "--fping", "198.18.0.9"}, "want -c COUNT or -C COUNT"},
		{[]string{"ping", "-B", "1", "198.18.0.9"}, "-B is fping's flag"},
	} {
		code, out, errOut := runNetdx(t, tc.args...)
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3 and one line with %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestCheckBadInput: a check's bad input is the plugin's line on stdout
// (what Nagios shows), netdx's on stderr, exit 3.
func TestCheckBadInput(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		out, inErr string
	}{
		{[]string{"check_ping", "-H", "198.18.0.9", "-w", "100,20%"}, "<crta> was not set\n", "-c"},
		{[]string{"check_ping", "-H", "198.18.0.9", "-w", "100,20%", "-c", "50,60%"}, "<wrta> (100.000000) cannot be larger than <crta> (50.000000)\n", "-w 100,20%"},
		{[]string{"check_ping", "-H", "198.18.0.9", "-w", "100", "-c", "500,60%"}, "<wpl> was not set\n", "-w"},
		{[]string{"check_ping", "-w", "100,20%", "-c", "500,60%"}, "check_ping: Could not parse arguments\n", "-H"},
		{[]string{"check_ping", "-H", "2001:db8::1", "-4", "-w", "100,20%", "-c", "500,60%"}, "check_ping: Invalid hostname/address - 2001:db8::1\n", "-H 2001:db8::1"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-n", "21"}, "check_icmp: packets is > 20 (21)\n", "-n 21"},
		{[]string{"check_icmp"}, "check_icmp: No hosts to check\n", "-H"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-w", "fast"}, "check_icmp: round trip average \"fast\" is not a time\n", "-w fast"},
		// check_icmp 2.3.3 silently replaces these (150% became 80%, -t 0
		// 10 s); netdx refuses them.
		{[]string{"check_icmp", "-H", "198.18.0.9", "-w", "200,150%"}, "check_icmp: packet loss \"150%\" is above 100%\n", "-w 200,150%"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-w", "200,90%"}, "check_icmp: warning threshold (200ms,90%) is above the critical one (500ms,80%)\n", "-w 200,90%"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-t", "0"}, "check_icmp: timeout must be at least 1 second (0)\n", "-t 0"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-t", "-1"}, "check_icmp: timeout must be at least 1 second (-1)\n", "-t -1"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-i", "abc"}, "check_icmp: -i abc: \"abc\" is not a time (us, ms or s)\n", "-i abc"},
		{[]string{"check_icmp", "-H", "198.18.0.9", "-I", "-1"}, "check_icmp: -I -1: not a time\n", "-I -1"},
	} {
		code, out, errOut := runNetdx(t, tc.args...)
		if code != exitUnknown || out != tc.out || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.inErr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3, %q and one line naming %s", tc.args, code, out, errOut, tc.out, tc.inErr)
		}
	}
}

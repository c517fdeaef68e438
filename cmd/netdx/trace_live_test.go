package main

import (
	"strings"
	"testing"
)

// TestLiveBadInput: what --live cannot run is refused before any socket,
// name lookup or screen: one line on stderr naming the flag, exit 3,
// nothing on stdout. A run whose stdout is not a terminal is refused too
// (tests run netdx with buffers: the last case), and the flags checks
// come first.
func TestLiveBadInput(t *testing.T) {
	many := []string{"trace", "--live"}
	for range maxLiveTargets + 1 {
		many = append(many, "198.18.0.9")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--live"}, "--live wants 1 to 16 TARGETs"},
		{many, "--live wants 1 to 16 TARGETs"},
		{[]string{"trace", "--live", "--report", "198.18.0.9"}, "--live and --report exclude each other"},
		{[]string{"trace", "--live", "--mtu", "198.18.0.9"}, "--live and --mtu exclude each other"},
		{[]string{"trace", "--live", "--json", "198.18.0.9"}, "--json is for plain and --report traces"},
		{[]string{"--json", "trace", "--live", "198.18.0.9"}, "--json is for plain and --report traces"},
		{[]string{"trace", "--live", "--interval", "0", "198.18.0.9"}, "--interval 0: want an interval between rounds of 1ms.."},
		{[]string{"trace", "--live", "--interval", "0.0001", "198.18.0.9"}, "--interval 0.0001: want an interval between rounds of 1ms.."},
		{[]string{"trace", "--live", "--interval", "-1", "198.18.0.9"}, "--interval -1:"},
		{[]string{"trace", "--live", "--interval", "NaN", "198.18.0.9"}, "--interval NaN:"},
		{[]string{"trace", "--live", "-c", "0", "198.18.0.9"}, "-c 0: want 1..100000 rounds"},
		{[]string{"trace", "--live", "-m", "0", "198.18.0.9"}, "-m 0:"},
		{[]string{"trace", "--live", "-P", "sctp", "198.18.0.9"}, "-P sctp:"},
		{[]string{"trace", "--live", "-4", "-6", "198.18.0.9"}, "-4 and -6"},
		{[]string{"trace", "--live", "198.18.0.9"}, "--live draws on a terminal and stdout is not one"},
	} {
		code, out, errOut := runNetdx(t, tc.args...)
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "netdx trace: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3, nothing on stdout and one line with %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

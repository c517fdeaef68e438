package main

import (
	"strings"
	"testing"

	"netdx/probe"
	"netdx/probe/probetest"
)

func TestPingCode(t *testing.T) {
	ok, lost := probetest.Result("a", 3, 1, 1, 1), probetest.Result("b", 3)
	partial := probetest.Result("c", 3, 1)
	bad := probe.Result{Target: "d", Error: "cannot resolve"}
	cases := []struct {
		rs   []probe.Result
		want int
	}{
		{[]probe.Result{ok}, exitOK},
		{[]probe.Result{ok, partial}, exitOK}, // answered, even if not every time
		{[]probe.Result{ok, lost}, exitCritical},
		{[]probe.Result{ok, bad, lost}, exitUnknown},
	}
	for i, tc := range cases {
		if got := pingCode(tc.rs, nil); got != tc.want {
			t.Errorf("case %d: code %d, want %d", i, got, tc.want)
		}
	}
}

// Bad ping input is one line on stderr and exit 3, before any socket.
func TestPingBadInput(t *testing.T) {
	cases := map[string][]string{
		"no target":         {"ping"},
		"-M":                {"ping", "-M", "maybe", "198.18.2.2"},
		"-s too small":      {"ping", "-s", "8", "198.18.2.2"},
		"-c zero":           {"ping", "-c", "0", "198.18.2.2"},
		"-i negative":       {"ping", "-i", "-1", "198.18.2.2"},
		"-W word":           {"ping", "-W", "soon", "198.18.2.2"},
		"-t":                {"ping", "-t", "300", "198.18.2.2"},
		"-Q":                {"ping", "-Q", "999", "198.18.2.2"},
		"-4 -6":             {"ping", "-4", "-6", "198.18.2.2"},
		"-4 with v6":        {"ping", "-4", "-c", "1", "2001:db8::1"},
		"warn only":         {"ping", "-w", "100,20%", "198.18.2.2"},
		"warn above crit":   {"ping", "-w", "600,20%", "-c", "500,60%", "198.18.2.2"},
		"bad threshold":     {"ping", "-w", "100,x%", "-c", "500,60%", "198.18.2.2"},
		"-p without thresh": {"ping", "-p", "3", "198.18.2.2"},
		"both modes":        {"ping", "--privileged", "--unprivileged", "198.18.2.2"},
		"--rate":            {"ping", "--rate", "0", "198.18.2.2"},
	}
	for name, args := range cases {
		code, out, errOut := runNetdx(t, args...)
		if code != exitUnknown || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "netdx ping") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 3 and one line", name, code, out, errOut)
		}
	}
}

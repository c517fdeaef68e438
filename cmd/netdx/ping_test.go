package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/probe"
)

// golden compares got with testdata/ping/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenAt(t, "ping", name, got)
}

// result builds a Result with the RTT statistics of rtts (ms).
func result(name string, sent int, rtts ...float64) probe.Result {
	var d []time.Duration
	for _, v := range rtts {
		d = append(d, time.Duration(v*float64(time.Millisecond)))
	}
	r := probe.Result{Target: name, Addr: name, Sent: sent, Received: len(rtts), RTT: probe.Summarise(d).Round(),
		ICMPErrors: []probe.ErrorCount{}, Timestamps: "kernel", Socket: "raw"}
	if len(rtts) == 0 {
		r.Timestamps = ""
	}
	r.LossPct = float64(sent-len(rtts)) * 100 / float64(sent)
	return r
}

func TestNagiosGolden(t *testing.T) {
	std := thresholds{warn: threshold{100, 20}, crit: threshold{500, 60}}
	dup := result("198.18.2.2", 5, 1, 1, 1, 1, 1)
	dup.Duplicates = 2
	cases := []struct {
		name string
		r    probe.Result
		th   thresholds
		code int
	}{
		{"ok", result("198.18.2.2", 5, 0.041, 0.043, 0.045, 0.040, 0.042), std, exitOK},
		{"warning-rta", result("198.18.2.2", 5, 150, 152, 149, 151, 150), std, exitWarning},
		{"critical-loss", result("198.18.2.2", 5, 20, 21), std, exitCritical},
		{"loss-truncated", result("198.18.2.2", 3, 10, 10), std, exitWarning},
		{"all-lost", result("198.18.2.2", 5), std, exitCritical},
		{"duplicates", dup, std, exitWarning},
		{"zero-warn", result("198.18.2.2", 5, 1, 1, 1, 1, 1), thresholds{warn: threshold{0, 0}, crit: threshold{500, 60}}, exitWarning},
		{"unresolved", probe.Result{Target: "nosuch.example", Error: "cannot resolve: no such host"}, std, exitUnknown},
	}
	var all strings.Builder
	for _, tc := range cases {
		line := nagiosLine(tc.r, tc.th)
		if got := nagiosState(tc.r, tc.th); got != tc.code {
			t.Errorf("%s: state %d, want %d (%s)", tc.name, got, tc.code, line)
		}
		all.WriteString(tc.name + ": " + line + "\n")
	}
	golden(t, "nagios.golden", all.String())
}

func TestParseThreshold(t *testing.T) {
	for in, want := range map[string]threshold{"100,20%": {100, 20}, "0.5:1%": {0.5, 1}, "3000.0,100%": {3000, 100}} {
		if got, err := parseThreshold(in); err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"100,20", "100%", "x,20%", "100,200%", "-1,20%", "100,-1%"} {
		if _, err := parseThreshold(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPingTextGolden(t *testing.T) {
	r := result("198.18.2.2", 5, 20.412, 20.388, 20.501, 21.090, 20.377)
	r.Duplicates, r.Invalid, r.Reordered = 1, 2, 1
	var b bytes.Buffer
	printHeader(&b, probe.Target{Name: "198.18.2.2", Addr: netip.MustParseAddr("198.18.2.2")}, 56)
	printSummary(&b, r, 4012*time.Millisecond, false)
	b.WriteString("-- with -v:\n")
	printSummary(&b, r, 4012*time.Millisecond, true)
	golden(t, "single.golden", b.String())

	lost := result("198.18.100.7", 3)
	lost.ICMPErrors = []probe.ErrorCount{{Type: 3, Code: 1, Name: "Destination Host Unreachable", From: "198.18.1.2", Count: 3}}
	b.Reset()
	multi := []probe.Result{result("198.18.100.1", 3, 0.05, 0.04, 0.06), lost, {Target: "nosuch.example", Error: "cannot resolve: no such host"}}
	var out bytes.Buffer
	(&pingView{w: &out, ew: &b, fping: true}).fpingSummary(multi)
	b.WriteString("-- with -q -v:\n")
	(&pingView{w: &out, ew: &b, fping: true, quiet: true, verbose: true}).fpingSummary(multi)
	b.WriteString("-- with -C 3 -q:\n")
	ms := time.Millisecond
	(&pingView{w: &out, ew: &b, fping: true, quiet: true, lists: true,
		rtts: [][]time.Duration{{ms / 20, ms / 25, 12345 * time.Microsecond}, {-1, -1}}}).fpingSummary(multi)
	if out.Len() != 0 {
		t.Errorf("fping's summary on stdout: %q", out.String())
	}
	golden(t, "multi.golden", b.String())

	b.Reset()
	if err := writeJSON(&b, pingDoc{Status: "critical", Targets: []probe.Result{result("198.18.100.1", 3, 0.05, 0.04, 0.06), lost}}); err != nil {
		t.Fatal(err)
	}
	golden(t, "json.golden", b.String())
}

func TestPingCode(t *testing.T) {
	ok, lost := result("a", 3, 1, 1, 1), result("b", 3)
	partial := result("c", 3, 1)
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

func TestRTTText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42 * time.Microsecond: "0.042", 1234 * time.Microsecond: "1.23", 20412 * time.Microsecond: "20.4",
		150400 * time.Microsecond: "150",
	} {
		if got := rttText(d); got != want {
			t.Errorf("rttText(%v) = %q, want %q", d, got, want)
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

package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// The reference lines below are what monitoring-plugins 2.3.3, fping 5.1
// and mtr 0.95 print on Debian 12 for the same figures; the lab tests
// (compat_lab_test.go) compare with the programs themselves.

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

func TestCheckPingScan(t *testing.T) {
	for _, tc := range []struct {
		v6        bool
		typ, code int
		want      string
	}{
		{false, 3, 0, "Network Unreachable"}, {false, 3, 1, "Host Unreachable"},
		{false, 3, 3, "Bogus ICMP: Port Unreachable"}, {false, 3, 2, "Bogus ICMP: Protocol Unreachable"},
		{false, 3, 9, "Network Prohibited"}, {false, 3, 10, "Host Prohibited"}, {false, 3, 13, "Packet Filtered"},
		{false, 11, 0, "Time to live exceeded"}, {false, 3, 4, ""}, {false, 4, 0, ""},
		{true, 1, 0, "Network Unreachable"}, {true, 1, 3, "Host Unreachable"}, {true, 1, 1, "Packet Filtered"},
		{true, 1, 4, "Bogus ICMP: Port Unreachable"}, {true, 1, 5, "Destination Unreachable"},
		{true, 3, 0, "Time to live exceeded"}, {true, 2, 0, ""},
	} {
		name := icmpmsg.Name(tc.v6, tc.typ, tc.code)
		if got := checkPingScan(name); got != tc.want {
			t.Errorf("v6=%v %d/%d (%q): %q, want %q", tc.v6, tc.typ, tc.code, name, got, tc.want)
		}
	}
}

func TestPingThreshold(t *testing.T) {
	for _, tc := range []struct {
		in      string
		rta, pl float64
	}{{"100,20%", 100, 20}, {"0.5:1%", 0.5, 1}, {"5000,100%", 5000, 100}, {"300", 300, -1}, {"40%", -1, 40}} {
		rta, pl := -1.0, -1.0
		if err := pingThreshold(tc.in, &rta, &pl); err != nil || rta != tc.rta || pl != tc.pl {
			t.Errorf("%q: %v %v %v, want %v %v", tc.in, rta, pl, err, tc.rta, tc.pl)
		}
	}
	for _, bad := range []string{"100,20", "x,20%", "100,101%", "-1,20%", "100,2.5%", "", "fast", "Inf,20%"} {
		var rta, pl float64
		if err := pingThreshold(bad, &rta, &pl); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestICMPThreshold(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want icmpThreshold
	}{
		{"100,20%", icmpThreshold{100, 20}}, {"1s,20%", icmpThreshold{1000, 20}}, {"250us,5%", icmpThreshold{0.25, 5}},
		{"300", icmpThreshold{300, 40}}, {"50%", icmpThreshold{200, 50}}, {"100.5ms,200%", icmpThreshold{100.5, 100}},
	} {
		th := icmpThreshold{200, 40}
		if err := icmpThresholdFlag(tc.in, &th); err != nil || th != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, th, err, tc.want)
		}
	}
	for _, bad := range []string{"x", "100,x%", "-5,20%", "0,20%", "100,2.5%", "1e400"} {
		th := icmpThreshold{}
		if err := icmpThresholdFlag(bad, &th); err == nil {
			t.Errorf("%q accepted: %+v", bad, th)
		}
	}
}

// TestCheckICMPLine: check_icmp's line for one and several hosts, an
// unreachable, and -m; the expected lines are check_icmp 2.3.3's.
func TestCheckICMPLine(t *testing.T) {
	warn, crit := icmpThreshold{200, 40}, icmpThreshold{500, 80}
	up := result("198.18.201.2", 5, 0.014, 0.006, 0.046, 0.010, 0.010)
	dead := result("198.18.201.98", 5)
	unreach := result("198.18.201.99", 1)
	hostUnreach := &probe.Event{Kind: probe.EventError, ErrType: 3, ErrCode: 1, From: netip.MustParseAddr("198.18.200.2")}
	for _, tc := range []struct {
		rs   []probe.Result
		lost []*probe.Event
		min  int
		want string
		code int
	}{
		{[]probe.Result{up}, nil, -1,
			"OK - 198.18.201.2: rta 0.017ms, lost 0%|rta=0.017ms;200.000;500.000;0; pl=0%;40;80;; rtmax=0.046ms;;;; rtmin=0.006ms;;;; ", exitOK},
		{[]probe.Result{unreach}, []*probe.Event{hostUnreach}, -1,
			"CRITICAL - 198.18.201.99: Host unreachable @ 198.18.200.2. rta nan, lost 100%|rta=0.000ms;200.000;500.000;0; pl=100%;40;80;; rtmax=0.000ms;;;; rtmin=0.000ms;;;; ", exitCritical},
		{[]probe.Result{up, dead}, nil, -1,
			"CRITICAL - 198.18.201.2: rta 0.017ms, lost 0% :: 198.18.201.98: rta nan, lost 100%|198.18.201.2rta=0.017ms;200.000;500.000;0; 198.18.201.2pl=0%;40;80;; 198.18.201.2rtmax=0.046ms;;;; 198.18.201.2rtmin=0.006ms;;;; 198.18.201.98rta=0.000ms;200.000;500.000;0; 198.18.201.98pl=100%;40;80;; 198.18.201.98rtmax=0.000ms;;;; 198.18.201.98rtmin=0.000ms;;;; ", exitCritical},
		{[]probe.Result{up, dead}, nil, 1, "OK - ", exitOK},
		{[]probe.Result{up, dead}, nil, 2, "CRITICAL - ", exitCritical},
		{[]probe.Result{result("198.18.201.2", 5, 250, 250, 250, 250, 250)}, nil, -1, "WARNING - 198.18.201.2: rta 250.000ms, lost 0%|", exitWarning},
		{[]probe.Result{result("198.18.201.2", 5, 1, 1, 1)}, nil, -1, "WARNING - 198.18.201.2: rta 1.000ms, lost 40%|", exitWarning},
	} {
		lost := tc.lost
		if lost == nil {
			lost = make([]*probe.Event, len(tc.rs))
		}
		line, code := checkICMPLine(tc.rs, lost, warn, crit, tc.min)
		if code != tc.code || !strings.HasPrefix(line, tc.want) {
			t.Errorf("got %d %q\nwant %d %q", code, line, tc.code, tc.want)
		}
	}
}

func TestFpingFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		39 * time.Microsecond: "0.039", 999400 * time.Nanosecond: "0.999", 1234 * time.Microsecond: "1.23",
		9996 * time.Microsecond: "10.00", 20412 * time.Microsecond: "20.4", 150400 * time.Microsecond: "150",
	} {
		if got := fpingTime(d); got != want {
			t.Errorf("fpingTime(%v) = %q, want %q", d, got, want)
		}
	}
	for _, tc := range []struct {
		v6        bool
		typ, code int
		want      string
	}{
		{false, 3, 1, "ICMP Host Unreachable"}, {false, 3, 0, "ICMP Network Unreachable"},
		{false, 3, 13, "ICMP Unreachable (Communication Administratively Prohibited)"}, {false, 11, 0, "ICMP Time Exceeded"},
		{false, 3, 99, "ICMP Unreachable (Invalid Code)"}, {true, 1, 3, "ICMP Host Unreachable"}, {true, 1, 0, "ICMP Network Unreachable"},
	} {
		if got := fpingErrorName(tc.v6, tc.typ, tc.code); got != tc.want {
			t.Errorf("%v %d/%d: %q, want %q", tc.v6, tc.typ, tc.code, got, tc.want)
		}
	}
	if fpingLoss(3, 1) != 66 || fpingLoss(0, 0) != 0 {
		t.Error("fping's loss truncates to a percent")
	}
}

func TestSampleStDev(t *testing.T) {
	ms := time.Millisecond
	// mtr -j printed StDev 0.004 for 0.065 and 0.071 ms.
	if got := sampleStDev([]time.Duration{65 * time.Microsecond, 71 * time.Microsecond}); got.Round(time.Microsecond) != 4*time.Microsecond {
		t.Errorf("sample stdev %v, want 4µs", got)
	}
	if sampleStDev([]time.Duration{ms}) != 0 || sampleStDev(nil) != 0 {
		t.Error("stdev of fewer than two values is 0")
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
	} {
		code, out, errOut := runNetdx(t, tc.args...)
		if code != exitUnknown || out != tc.out || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.inErr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3, %q and one line naming %s", tc.args, code, out, errOut, tc.out, tc.inErr)
		}
	}
}

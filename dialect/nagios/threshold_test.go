package nagios

import (
	"errors"
	"testing"
	"time"

	"netdx/probe"
)

func TestParseThreshold(t *testing.T) {
	for in, want := range map[string]Threshold{
		"100,20%": {100, 20}, "0.5:1%": {0.5, 1}, "3000.0,100%": {3000, 100}, "5000,100%": {5000, 100},
		"300": {300, -1}, "40%": {-1, 40}, "0,0%": {0, 0},
	} {
		if got, err := parseThreshold(in); err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"100,20", "x,20%", "100,200%", "100,101%", "-1,20%", "100,-1%", "100,2.5%", "",
		"fast", "Inf,20%", "NaN,20%", ",20%"} {
		if th, err := parseThreshold(bad); err == nil {
			t.Errorf("%q accepted: %+v", bad, th)
		}
	}
}

func TestParseCheckPing(t *testing.T) {
	th, err := ParseCheckPing("100,20%", "500:60%")
	if want := (Thresholds{Threshold{100, 20}, Threshold{500, 60}}); err != nil || th != want {
		t.Errorf("got %+v %v, want %+v", th, err, want)
	}
	if v := th.Verbose(); v != "100.000000:20% 500.000000:60%" {
		t.Errorf("-v line %q", v)
	}
	// A threshold may come in parts: the RTA in one flag, the loss in
	// none — check_ping says which is missing.
	for _, tc := range []struct{ w, c, line, err string }{
		{"100,20%", "", "<crta> was not set", "-c: no round trip average (-c RTA,PL%)"},
		{"", "500,60%", "<wrta> was not set", "-w: no round trip average (-w RTA,PL%)"},
		{"100", "500,60%", "<wpl> was not set", "-w: no packet loss (-w RTA,PL%)"},
		{"100,20%", "500", "<cpl> was not set", "-c: no packet loss (-c RTA,PL%)"},
		{"100,20%", "50,60%", "<wrta> (100.000000) cannot be larger than <crta> (50.000000)",
			"the warning threshold (-w 100,20%) must not exceed the critical one (-c 50,60%)"},
		{"100,70%", "500,60%", "<wpl> (70) cannot be larger than <cpl> (60)",
			"the warning threshold (-w 100,70%) must not exceed the critical one (-c 500,60%)"},
		{"100,x%", "500,60%", "check_ping: 100,x%: Warning threshold must be integer or percentage!",
			`-w 100,x%: packet loss "x%" is not a percentage`},
		{"100,20%", "fast", "check_ping: fast: Warning threshold must be integer or percentage!",
			`-c fast: round trip average "fast" is not a number of milliseconds`},
	} {
		_, err := ParseCheckPing(tc.w, tc.c)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != tc.line || ie.Error() != tc.err {
			t.Errorf("-w %q -c %q: %#v, want %q and %q", tc.w, tc.c, err, tc.line, tc.err)
		}
	}
}

func TestParseCheckICMP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ICMPThreshold
	}{
		{"100,20%", ICMPThreshold{100, 20}}, {"1s,20%", ICMPThreshold{1000, 20}}, {"250us,5%", ICMPThreshold{0.25, 5}},
		{"300", ICMPThreshold{300, -1}}, {"50%", ICMPThreshold{-1, 50}}, {"100.5ms,100%", ICMPThreshold{100.5, 100}},
		{"255s,0%", ICMPThreshold{255000, 0}}, {"", ICMPThreshold{-1, -1}},
	} {
		if th, err := parseICMPThreshold(tc.in); err != nil || th != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, th, err, tc.want)
		}
	}
	// check_icmp 2.3.3 lowers a loss above 100% to 100 and an RTA above
	// 255 s to 255 s, undocumented: refused, never replaced.
	for _, bad := range []string{"x", "100,x%", "-5,20%", "0,20%", "100,2.5%", "1e400", "100,150%", "200,101%", "256s,20%", "NaN,20%"} {
		if th, err := parseICMPThreshold(bad); err == nil {
			t.Errorf("%q accepted: %+v", bad, th)
		}
	}
	w, c, err := ParseCheckICMP("", "")
	if err != nil || w != (ICMPThreshold{200, 40}) || c != (ICMPThreshold{500, 80}) {
		t.Errorf("defaults %+v %+v %v", w, c, err)
	}
	// The default warning is lowered to a critical threshold below it, a
	// part at a time; a warning given is kept.
	for _, tc := range []struct {
		w, c       string
		warn, crit ICMPThreshold
	}{
		{"", "100,20%", ICMPThreshold{100, 20}, ICMPThreshold{100, 20}},
		{"", "300", ICMPThreshold{200, 40}, ICMPThreshold{300, 80}},
		{"50", "30%", ICMPThreshold{50, 30}, ICMPThreshold{500, 30}},
		{"500,80%", "", ICMPThreshold{500, 80}, ICMPThreshold{500, 80}},
	} {
		if w, c, err := ParseCheckICMP(tc.w, tc.c); err != nil || w != tc.warn || c != tc.crit {
			t.Errorf("-w %q -c %q: %+v %+v %v, want %+v %+v", tc.w, tc.c, w, c, err, tc.warn, tc.crit)
		}
	}
	// A warning given above the critical threshold was lowered to it
	// (-w 200,150% became 80%): refused, naming the flag.
	for _, tc := range []struct{ w, c, line, err string }{
		{"200,150%", "", `check_icmp: packet loss "150%" is above 100%`, `-w 200,150%: packet loss "150%" is above 100%`},
		{"200,100%", "", "check_icmp: warning threshold (200ms,100%) is above the critical one (500ms,80%)",
			"-w 200,100%: above the critical threshold 500ms,80% (-c): a warning must come before the critical state"},
		{"900,50%", "300,60%", "check_icmp: warning threshold (900ms,50%) is above the critical one (300ms,60%)",
			"-w 900,50%: above the critical threshold 300ms,60% (-c): a warning must come before the critical state"},
		{"fast", "", `check_icmp: round trip average "fast" is not a time`, `-w fast: round trip average "fast" is not a time`},
		{"", "300s", `check_icmp: round trip average "300s" is above 255s`, `-c 300s: round trip average "300s" is above 255s`},
	} {
		_, _, err = ParseCheckICMP(tc.w, tc.c)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != tc.line || ie.Error() != tc.err {
			t.Errorf("-w %q -c %q: %v, want %q and %q", tc.w, tc.c, err, tc.line, tc.err)
		}
	}
}

// TestPacketInterval: check_icmp's -i is a maximum; one below the
// shortest interval netdx schedules (0 included: at once) is that.
func TestPacketInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"80": 80 * time.Millisecond, "2s": 2 * time.Second, "1ms": time.Millisecond,
		"0": probe.MinTiming, "1e-12": probe.MinTiming, "1e-3": probe.MinTiming, "500us": probe.MinTiming,
	} {
		if d, err := PacketInterval(in); err != nil || d != want {
			t.Errorf("-i %q: %v %v, want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{"abc", "-1", "0x10", "NaN"} {
		if d, err := PacketInterval(bad); err == nil {
			t.Errorf("-i %q accepted: %v", bad, d)
		}
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]float64{"80": 80, "80ms": 80, "80m": 80, "250us": 0.25, "5u": 0.005, "2s": 2000, "0.5": 0.5} {
		if d, err := ParseTime(in); err != nil || float64(d)/1e6 != want {
			t.Errorf("%q: %v %v, want %vms", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-1", "1e400s", "Infms"} {
		if d, err := ParseTime(bad); err == nil {
			t.Errorf("%q accepted: %v", bad, d)
		}
	}
}

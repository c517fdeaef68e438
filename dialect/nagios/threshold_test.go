package nagios

import (
	"errors"
	"testing"
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
		{"300", ICMPThreshold{300, 40}}, {"50%", ICMPThreshold{200, 50}}, {"100.5ms,200%", ICMPThreshold{100.5, 100}},
	} {
		th := ICMPThreshold{200, 40}
		if err := parseICMPThreshold(tc.in, &th); err != nil || th != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, th, err, tc.want)
		}
	}
	for _, bad := range []string{"x", "100,x%", "-5,20%", "0,20%", "100,2.5%", "1e400"} {
		th := ICMPThreshold{}
		if err := parseICMPThreshold(bad, &th); err == nil {
			t.Errorf("%q accepted: %+v", bad, th)
		}
	}
	w, c, err := ParseCheckICMP("", "")
	if err != nil || w != (ICMPThreshold{200, 40}) || c != (ICMPThreshold{500, 80}) {
		t.Errorf("defaults %+v %+v %v", w, c, err)
	}
	// A warning above the critical threshold is lowered to it.
	if w, c, err := ParseCheckICMP("900,90%", "300,50%"); err != nil || w != c || c != (ICMPThreshold{300, 50}) {
		t.Errorf("warning above critical: %+v %+v %v", w, c, err)
	}
	_, _, err = ParseCheckICMP("fast", "")
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != `check_icmp: round trip average "fast" is not a time` ||
		ie.Error() != `-w fast: round trip average "fast" is not a time` {
		t.Errorf("-w fast: %#v", err)
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

package icmpmsg

import "testing"

func TestMarkOf(t *testing.T) {
	for _, tc := range []struct {
		v6         bool
		typ, code  int
		mtu        int
		fromTarget bool
		want       string
	}{
		{false, TypeUnreachable, 1, 0, false, "!H"},
		{false, TypeUnreachable, 13, 0, false, "!X"},
		{false, TypeUnreachable, 4, 1400, false, "!F-1400"},
		{false, TypeUnreachable, 3, 0, true, ""},
		{false, TypeUnreachable, 3, 0, false, "!3"},
		{false, TypeUnreachable, 4, 0, false, "!F-0"},
		{false, TypeUnreachable, 16, 0, false, "!16"},
		{false, TypeUnreachable, -1, 0, false, "!-1"},
		{false, TypeTimeExceeded, 0, 0, false, ""},
		{false, TypeEchoReply, 0, 0, true, ""},
		{true, Type6Unreachable, 0, 0, false, "!N"},
		{true, Type6Unreachable, 1, 0, false, "!X"},
		{true, Type6Unreachable, 2, 0, false, "!H"},
		{true, Type6Unreachable, 3, 0, false, "!H"},
		{true, Type6Unreachable, 4, 0, true, ""},
		{true, Type6Unreachable, 4, 0, false, "!4"},
		{true, Type6Unreachable, 7, 0, false, "!S"},
		{true, Type6Unreachable, 8, 0, false, "!8"},
		{true, Type6PacketTooBig, 0, 1280, false, "!F-1280"},
		{true, Type6TimeExceeded, 0, 0, false, ""},
	} {
		if got := MarkOf(tc.v6, tc.typ, tc.code, tc.mtu, tc.fromTarget); got != tc.want {
			t.Errorf("MarkOf(%v, %d, %d, %d, %v) = %q, want %q", tc.v6, tc.typ, tc.code, tc.mtu, tc.fromTarget, got, tc.want)
		}
	}
}

// TestDescribe gives words for every mark MarkOf makes (diagnose's
// findings quote them).
func TestDescribe(t *testing.T) {
	for mark, want := range map[string]string{
		"!N": "network unreachable", "!H": "host unreachable", "!P": "protocol unreachable",
		"!X": "communication administratively prohibited", "!S": "source route failed",
		"!U": "destination network or host unknown", "!W": "destination network or host unknown",
		"!I": "source host isolated", "!A": "communication with the destination prohibited",
		"!Z": "communication with the destination prohibited", "!Q": "unreachable for this type of service",
		"!T": "unreachable for this type of service", "!V": "host precedence violation",
		"!C": "precedence cutoff in effect", "!F-1400": "fragmentation needed, next-hop MTU 1400",
		"!3": "ICMP unreachable code 3", "!9": "ICMP unreachable code 9",
	} {
		if got := Describe(mark); got != want {
			t.Errorf("Describe(%q) = %q, want %q", mark, got, want)
		}
	}
	for code := range 16 {
		m := MarkOf(false, TypeUnreachable, code, 1500, false)
		if d := Describe(m); d == "" || d == "ICMP unreachable code " {
			t.Errorf("mark %q of code %d has no words", m, code)
		}
	}
}

func TestCounts(t *testing.T) {
	var k Counts
	if k.Map() != nil || k.Total() != 0 {
		t.Fatal("zero Counts is not empty")
	}
	k.Add(BadChecksum, 2)
	k.Add(WrongSource, 1)
	k.Add(Cause(200), 5) // out of range: ignored
	if m := k.Map(); k.Total() != 3 || len(m) != 2 || m["bad_checksum"] != 2 || m["wrong_source"] != 1 {
		t.Errorf("counts %v total %d", k.Map(), k.Total())
	}
	for c := CauseNone; c < numCauses; c++ {
		if c.String() == "" || c.String() == "unknown" {
			t.Errorf("cause %d has no name", c)
		}
	}
}

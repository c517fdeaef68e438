package icmpmsg

import "testing"

// rfcTable is every type and code the IANA registries define for the
// errors netdx reads, with what netdx must make of each: the meaning, the
// traceroute mark (from a router, MTU 1280), and iputils' name. The
// expectations are written out here, not computed from the tables under
// test.
var rfcTable = []struct {
	v6         bool
	typ, code  int
	ref        string // where the code is defined
	meaning    Meaning
	mark, name string
}{
	{false, 3, 0, "RFC 792", NetUnreachable, "!N", "Destination Net Unreachable"},
	{false, 3, 1, "RFC 792", HostUnreachable, "!H", "Destination Host Unreachable"},
	{false, 3, 2, "RFC 792", ProtocolUnreachable, "!P", "Destination Protocol Unreachable"},
	{false, 3, 3, "RFC 792", PortUnreachable, "!3", "Destination Port Unreachable"},
	{false, 3, 4, "RFC 792", FragmentationNeeded, "!F-1280", "Frag needed and DF set"},
	{false, 3, 5, "RFC 792", SourceRouteFailed, "!S", "Source Route Failed"},
	{false, 3, 6, "RFC 1122", NetUnknown, "!U", "Destination Net Unknown"},
	{false, 3, 7, "RFC 1122", HostUnknown, "!W", "Destination Host Unknown"},
	{false, 3, 8, "RFC 1122", SourceHostIsolated, "!I", "Source Host Isolated"},
	{false, 3, 9, "RFC 1122", NetProhibited, "!A", "Destination Net Prohibited"},
	{false, 3, 10, "RFC 1122", HostProhibited, "!Z", "Destination Host Prohibited"},
	{false, 3, 11, "RFC 1122", NetUnreachableForTOS, "!Q", "Destination Net Unreachable for Type of Service"},
	{false, 3, 12, "RFC 1122", HostUnreachableForTOS, "!T", "Destination Host Unreachable for Type of Service"},
	{false, 3, 13, "RFC 1812", AdminProhibited, "!X", "Packet filtered"},
	{false, 3, 14, "RFC 1812", PrecedenceViolation, "!V", "Precedence Violation"},
	{false, 3, 15, "RFC 1812", PrecedenceCutoff, "!C", "Precedence Cutoff"},
	{false, 3, 16, "none", UnreachableBadCode, "!16", "Dest Unreachable, Bad Code: 16"},
	{false, 3, 255, "none", UnreachableBadCode, "!255", "Dest Unreachable, Bad Code: 255"},
	{false, 4, 0, "RFC 792, RFC 6633", SourceQuench, "", "Source Quench"},
	{false, 5, 0, "RFC 792", Redirect, "", "ICMP redirect (type 5) code 0"},
	{false, 5, 1, "RFC 792", Redirect, "", "ICMP redirect (type 5) code 1"},
	{false, 5, 2, "RFC 792", Redirect, "", "ICMP redirect (type 5) code 2"},
	{false, 5, 3, "RFC 792", Redirect, "", "ICMP redirect (type 5) code 3"},
	{false, 11, 0, "RFC 792", TTLExceeded, "", "Time to live exceeded"},
	{false, 11, 1, "RFC 792", ReassemblyTimeExceeded, "", "Frag reassembly time exceeded"},
	{false, 11, 2, "none", TimeExceededBadCode, "", "Time to live exceeded"},
	{false, 12, 0, "RFC 792", ParameterProblem, "", "Parameter problem"},
	{false, 12, 1, "RFC 1108", ParameterProblem, "", "Parameter problem"},
	{false, 12, 2, "RFC 1812", ParameterProblem, "", "Parameter problem"},
	{false, 0, 0, "echo reply", Unclassified, "", "ICMP echo reply (type 0) code 0"},
	{false, 40, 0, "not read", Unclassified, "", "ICMP photuris (type 40) code 0"},

	{true, 1, 0, "RFC 4443", NetUnreachable, "!N", "Destination unreachable: No route"},
	{true, 1, 1, "RFC 4443", AdminProhibited, "!X", "Destination unreachable: Administratively prohibited"},
	// Code 2 was "not a neighbor" (RFC 1885, strict source routing: BSD's
	// !S); RFC 4443 made it "beyond scope of source address", which Linux
	// traceroute marks !H.
	{true, 1, 2, "RFC 4443", BeyondScope, "!H", "Destination unreachable: Beyond scope of source address"},
	{true, 1, 3, "RFC 4443", HostUnreachable, "!H", "Destination unreachable: Address unreachable"},
	{true, 1, 4, "RFC 4443", PortUnreachable, "!4", "Destination unreachable: Port unreachable"},
	{true, 1, 5, "RFC 4443", SourcePolicyFailed, "!X", "Destination unreachable: Source address failed ingress/egress policy"},
	{true, 1, 6, "RFC 4443", RejectRoute, "!X", "Destination unreachable: Reject route to destination"},
	{true, 1, 7, "RFC 6554", SourceRouteFailed, "!S", "Destination unreachable: Error in source routing header"},
	{true, 1, 8, "RFC 8883", HeadersTooLong, "!8", "Destination unreachable: Headers too long"},
	{true, 1, 9, "none", UnreachableBadCode, "!9", "Destination unreachable: code 9"},
	{true, 2, 0, "RFC 4443", FragmentationNeeded, "!F-1280", "Packet too big"},
	{true, 3, 0, "RFC 4443", TTLExceeded, "", "Time exceeded: Hop limit"},
	{true, 3, 1, "RFC 4443", ReassemblyTimeExceeded, "", "Time exceeded: Fragment reassembly time exceeded"},
	{true, 3, 2, "none", TimeExceededBadCode, "", "Time exceeded: Hop limit"},
	{true, 4, 0, "RFC 4443", ParameterProblem, "", "Parameter problem: code 0"},
	{true, 4, 1, "RFC 4443", ParameterProblem, "", "Parameter problem: code 1"},
	{true, 4, 2, "RFC 4443", ParameterProblem, "", "Parameter problem: code 2"},
	{true, 4, 3, "RFC 7112", ParameterProblem, "", "Parameter problem: code 3"},
	{true, 4, 4, "RFC 8754", ParameterProblem, "", "Parameter problem: code 4"},
	{true, 4, 5, "RFC 8883", ParameterProblem, "", "Parameter problem: code 5"},
	{true, 4, 6, "RFC 8883", ParameterProblem, "", "Parameter problem: code 6"},
	{true, 4, 7, "RFC 8883", ParameterProblem, "", "Parameter problem: code 7"},
	{true, 4, 8, "RFC 8883", ParameterProblem, "", "Parameter problem: code 8"},
	{true, 4, 9, "RFC 8883", ParameterProblem, "", "Parameter problem: code 9"},
	{true, 4, 10, "RFC 8883", ParameterProblem, "", "Parameter problem: code 10"},
	{true, 129, 0, "echo reply", Unclassified, "", "ICMPv6 echo reply (type 129) code 0"},
	{true, 5, 0, "no ICMPv6 error", Unclassified, "", "ICMPv6 type 5 code 0"},
}

// TestRFCTable classifies, marks and names every code of the registries.
func TestRFCTable(t *testing.T) {
	for _, tc := range rfcTable {
		if got := Classify(tc.v6, tc.typ, tc.code); got != tc.meaning {
			t.Errorf("Classify(%v, %d, %d) (%s) = %v, want %v", tc.v6, tc.typ, tc.code, tc.ref, got, tc.meaning)
		}
		if got := MarkOf(tc.v6, tc.typ, tc.code, 1280, false); got != tc.mark {
			t.Errorf("MarkOf(%v, %d, %d) (%s) = %q, want %q", tc.v6, tc.typ, tc.code, tc.ref, got, tc.mark)
		}
		if got := Name(tc.v6, tc.typ, tc.code); got != tc.name {
			t.Errorf("Name(%v, %d, %d) (%s) = %q, want %q", tc.v6, tc.typ, tc.code, tc.ref, got, tc.name)
		}
		m := Message{IPv6: tc.v6, Type: tc.typ, Code: tc.code}
		unreach := tc.typ == 3 && !tc.v6 || tc.v6 && (tc.typ == 1 || tc.typ == 2)
		if m.Unreachable() != unreach || tc.meaning.Unreachable() != unreach {
			t.Errorf("%v %d/%d: unreachable %v %v, want %v", tc.v6, tc.typ, tc.code, m.Unreachable(), tc.meaning.Unreachable(), unreach)
		}
	}
}

// TestPortUnreachableFromTarget: the answer a UDP trace waits for has no
// mark, in both families.
func TestPortUnreachableFromTarget(t *testing.T) {
	if a, b := MarkOf(false, 3, 3, 0, true), MarkOf(true, 1, 4, 0, true); a != "" || b != "" {
		t.Errorf("port unreachable from the target marked %q and %q", a, b)
	}
	if a, b := MarkOf(false, 3, 1, 0, true), MarkOf(true, 1, 3, 0, true); a != "!H" || b != "!H" {
		t.Errorf("host unreachable from the target marked %q and %q, want !H", a, b)
	}
}

// TestMeaningIPv4 names the ICMP meaning of each ICMPv6 one that ICMP has
// no code for, and checks that the others keep their own.
func TestMeaningIPv4(t *testing.T) {
	want := map[Meaning]Meaning{BeyondScope: HostUnreachable, SourcePolicyFailed: AdminProhibited,
		RejectRoute: AdminProhibited, HeadersTooLong: UnreachableBadCode}
	for m := Unclassified; m < numMeanings; m++ {
		w, ok := want[m]
		if !ok {
			w = m
		}
		if got := m.IPv4(); got != w {
			t.Errorf("%v.IPv4() = %v, want %v", m, got, w)
		}
	}
}

func TestMeaningString(t *testing.T) {
	seen := map[string]bool{}
	for m := Unclassified; m < numMeanings; m++ {
		s := m.String()
		if s == "" || s == "unknown" || seen[s] {
			t.Errorf("meaning %d: name %q missing or repeated", m, s)
		}
		seen[s] = true
	}
	if HostUnreachable.String() != "host_unreachable" || numMeanings.String() != "unknown" {
		t.Errorf("names %q %q", HostUnreachable, numMeanings)
	}
}

// TestMessagePredicates: the predicates the engines branch on agree with
// the type and code, in both families.
func TestMessagePredicates(t *testing.T) {
	for _, tc := range []struct {
		v6                                             bool
		typ, code                                      int
		timeExceeded, reassembly, portUnreach, squelch bool
	}{
		{false, 11, 0, true, false, false, false}, {true, 3, 0, true, false, false, false},
		{false, 11, 1, false, true, false, false}, {true, 3, 1, false, true, false, false},
		{false, 3, 3, false, false, true, false}, {true, 1, 4, false, false, true, false},
		{false, 4, 0, false, false, false, true}, {true, 4, 0, false, false, false, false},
		{true, 1, 3, false, false, false, false}, {false, 11, 2, false, false, false, false},
	} {
		m := Message{IPv6: tc.v6, Type: tc.typ, Code: tc.code}
		if m.TimeExceeded() != tc.timeExceeded || m.Reassembly() != tc.reassembly ||
			m.PortUnreachable() != tc.portUnreach || m.SourceQuench() != tc.squelch {
			t.Errorf("%v %d/%d: time exceeded %v reassembly %v port %v quench %v", tc.v6, tc.typ, tc.code,
				m.TimeExceeded(), m.Reassembly(), m.PortUnreachable(), m.SourceQuench())
		}
	}
}

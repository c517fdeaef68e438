package icmpmsg

import (
	"fmt"
	"strings"
)

// Mark is the classic traceroute mark of m ("!H", "!F-1400"), or "" for
// Time Exceeded, echo replies and a port unreachable from the target
// (fromTarget). See MarkOf.
func (m *Message) Mark(fromTarget bool) string {
	return MarkOf(m.IPv6, m.Type, m.Code, m.MTU, fromTarget)
}

// MarkOf is the classic traceroute mark for an ICMP (v6 false) or ICMPv6
// error of type typ and code that ends a path, mtu the next-hop MTU it
// carries; "" for anything else.
//
// The marks are BSD traceroute's, by meaning (see Classify): network
// unreachable !N, host !H, protocol !P, fragmentation needed (or ICMPv6
// Packet Too Big) !F-<mtu>, source route failed !S, network unknown !U,
// host unknown !W, source host isolated !I, network prohibited !A, host
// prohibited !Z, unreachable for the type of service !Q (network) and !T
// (host), administratively prohibited !X, precedence violation !V,
// precedence cutoff !C. An ICMPv6 meaning ICMP has no code for takes the
// mark of Meaning.IPv4: beyond scope !H, failed source policy and reject
// route !X. Port unreachable from the target is the answer a UDP trace
// waits for and has no mark; from anyone else it is !<code>, as is any
// code without a mark.
func MarkOf(v6 bool, typ, code, mtu int, fromTarget bool) string {
	m := Classify(v6, typ, code)
	switch v4 := m.IPv4(); {
	case !m.Unreachable():
		return ""
	case v4 == FragmentationNeeded:
		return fmt.Sprintf("!F-%d", mtu)
	case v4 == PortUnreachable && fromTarget:
		return ""
	case marks[v4].mark != "":
		return marks[v4].mark
	}
	return fmt.Sprintf("!%d", code)
}

// marks are the letter marks of the unreachables and the words Describe
// gives them (fragmentation needed's mark carries the MTU: see MarkOf).
var marks = [numMeanings]struct{ mark, words string }{
	NetUnreachable:        {"!N", "network unreachable"},
	HostUnreachable:       {"!H", "host unreachable"},
	ProtocolUnreachable:   {"!P", "protocol unreachable"},
	FragmentationNeeded:   {"", "fragmentation needed"},
	SourceRouteFailed:     {"!S", "source route failed"},
	NetUnknown:            {"!U", "destination network or host unknown"},
	HostUnknown:           {"!W", "destination network or host unknown"},
	SourceHostIsolated:    {"!I", "source host isolated"},
	NetProhibited:         {"!A", "communication with the destination prohibited"},
	HostProhibited:        {"!Z", "communication with the destination prohibited"},
	NetUnreachableForTOS:  {"!Q", "unreachable for this type of service"},
	HostUnreachableForTOS: {"!T", "unreachable for this type of service"},
	AdminProhibited:       {"!X", "communication administratively prohibited"},
	PrecedenceViolation:   {"!V", "host precedence violation"},
	PrecedenceCutoff:      {"!C", "precedence cutoff in effect"},
}

// Describe says in words what a mark of MarkOf means ("!X": communication
// administratively prohibited; "!F-1400": fragmentation needed, next-hop
// MTU 1400; "!9" an unreachable code it has no mark for).
func Describe(mark string) string {
	for _, m := range marks {
		if m.mark == mark && mark != "" {
			return m.words
		}
	}
	if mtu, ok := strings.CutPrefix(mark, "!F-"); ok {
		return marks[FragmentationNeeded].words + ", next-hop MTU " + mtu
	}
	return "ICMP unreachable code " + strings.TrimPrefix(mark, "!")
}

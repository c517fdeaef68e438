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
// IPv4 codes follow BSD traceroute: 0 !N, 1 !H, 2 !P, 4 !F-<mtu>, 5 !S,
// 6 !U, 7 !W, 8 !I, 9 !A, 10 !Z, 11 !Q, 12 !T, 13 !X, 14 !V, 15 !C. IPv6
// has its own codes; netdx maps them to the IPv4 mark of the same meaning:
// 0 no route !N, 1 administratively prohibited !X, 2 beyond the scope of
// the source address !S, 3 address unreachable !H, 5 source address failed
// ingress/egress policy !X, 6 reject route to destination !X, 7 error in a
// source routing header !S, and Packet Too Big !F-<mtu>. Port unreachable
// (IPv4 3, IPv6 4) from the target is the answer a UDP trace waits for and
// has no mark; from anyone else it is marked !<code>. Any other code is
// !<code>.
func MarkOf(v6 bool, typ, code, mtu int, fromTarget bool) string {
	if v6 {
		switch {
		case typ == Type6PacketTooBig:
			return fmt.Sprintf("!F-%d", mtu)
		case typ != Type6Unreachable:
			return ""
		}
		switch code {
		case 0:
			return "!N"
		case 1, 5, 6:
			return "!X"
		case 2, 7:
			return "!S"
		case 3:
			return "!H"
		case 4:
			if fromTarget {
				return ""
			}
		}
		return fmt.Sprintf("!%d", code)
	}
	if typ != TypeUnreachable {
		return ""
	}
	switch code {
	case 3:
		if fromTarget {
			return ""
		}
		return "!3"
	case 4:
		return fmt.Sprintf("!F-%d", mtu)
	}
	if code >= 0 && code < len(v4Marks) && v4Marks[code] != "" {
		return v4Marks[code]
	}
	return fmt.Sprintf("!%d", code)
}

var v4Marks = [...]string{
	0: "!N", 1: "!H", 2: "!P", 5: "!S", 6: "!U", 7: "!W", 8: "!I",
	9: "!A", 10: "!Z", 11: "!Q", 12: "!T", 13: "!X", 14: "!V", 15: "!C",
}

// markWords says what each mark of MarkOf means.
var markWords = map[string]string{
	"!N": "network unreachable",
	"!H": "host unreachable",
	"!P": "protocol unreachable",
	"!X": "communication administratively prohibited",
	"!S": "source route failed",
	"!U": "destination network or host unknown",
	"!W": "destination network or host unknown",
	"!I": "source host isolated",
	"!A": "communication with the destination prohibited",
	"!Z": "communication with the destination prohibited",
	"!Q": "unreachable for this type of service",
	"!T": "unreachable for this type of service",
	"!V": "host precedence violation",
	"!C": "precedence cutoff in effect",
}

// Describe says in words what a mark of MarkOf means ("!X": communication
// administratively prohibited; "!F-1400": fragmentation needed, next-hop
// MTU 1400; "!9" an unreachable code it has no mark for).
func Describe(mark string) string {
	if w, ok := markWords[mark]; ok {
		return w
	}
	if mtu, ok := strings.CutPrefix(mark, "!F-"); ok {
		return "fragmentation needed, next-hop MTU " + mtu
	}
	return "ICMP unreachable code " + strings.TrimPrefix(mark, "!")
}

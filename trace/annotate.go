package trace

import "fmt"

// Annotation is the classic traceroute mark for an ICMP error that ends a
// path ("!H", "!F-1400"), or "" for Time Exceeded, echo replies and a port
// unreachable from the target.
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
func Annotation(m *Message, fromTarget bool) string {
	if !m.Unreachable() {
		return ""
	}
	if m.IPv6 {
		if m.Type == icmp6PacketTooBig {
			return fmt.Sprintf("!F-%d", m.MTU)
		}
		switch m.Code {
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
		return fmt.Sprintf("!%d", m.Code)
	}
	switch m.Code {
	case 3:
		if fromTarget {
			return ""
		}
		return "!3"
	case 4:
		return fmt.Sprintf("!F-%d", m.MTU)
	}
	if m.Code < len(v4Marks) && v4Marks[m.Code] != "" {
		return v4Marks[m.Code]
	}
	return fmt.Sprintf("!%d", m.Code)
}

var v4Marks = [...]string{
	0: "!N", 1: "!H", 2: "!P", 5: "!S", 6: "!U", 7: "!W", 8: "!I",
	9: "!A", 10: "!Z", 11: "!Q", 12: "!T", 13: "!X", 14: "!V", 15: "!C",
}

// portUnreachable reports whether m is a port unreachable.
func (m *Message) portUnreachable() bool {
	if m.IPv6 {
		return m.Type == icmp6Unreachable && m.Code == 4
	}
	return m.Type == icmp4Unreachable && m.Code == 3
}

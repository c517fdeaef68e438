package icmpmsg

import (
	"fmt"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Name names an ICMP (v6 false) or ICMPv6 error the way iputils ping prints
// it; other types get x/net's name of the type.
func Name(v6 bool, typ, code int) string {
	if v6 {
		return name6(typ, code)
	}
	switch typ {
	case TypeUnreachable:
		if code >= 0 && code < len(unreachNames) {
			return unreachNames[code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", code)
	case TypeSourceQuench:
		return "Source Quench"
	case TypeTimeExceeded:
		if code == 1 {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	case TypeParamProblem:
		return "Parameter problem"
	}
	return fmt.Sprintf("ICMP %s code %d", typeName(ipv4.ICMPType(typ), typ), code)
}

var unreachNames = [...]string{"Destination Net Unreachable", "Destination Host Unreachable",
	"Destination Protocol Unreachable", "Destination Port Unreachable", "Frag needed and DF set",
	"Source Route Failed", "Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
	"Destination Net Prohibited", "Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
	"Destination Host Unreachable for Type of Service", "Packet filtered", "Precedence Violation",
	"Precedence Cutoff"}

var unreach6Names = [...]string{"No route", "Administratively prohibited", "Beyond scope of source address",
	"Address unreachable", "Port unreachable", "Source address failed ingress/egress policy",
	"Reject route to destination"}

func name6(typ, code int) string {
	switch typ {
	case Type6Unreachable:
		if code >= 0 && code < len(unreach6Names) {
			return "Destination unreachable: " + unreach6Names[code]
		}
		return fmt.Sprintf("Destination unreachable: code %d", code)
	case Type6PacketTooBig:
		return "Packet too big"
	case Type6TimeExceeded:
		if code == 1 {
			return "Time exceeded: Fragment reassembly time exceeded"
		}
		return "Time exceeded: Hop limit"
	case Type6ParamProblem:
		return fmt.Sprintf("Parameter problem: code %d", code)
	}
	return fmt.Sprintf("ICMPv6 %s code %d", typeName(ipv6.ICMPType(typ), typ), code)
}

// typeName is x/net's name of an ICMP type, with its number.
func typeName(t icmp.Type, n int) string {
	if s, ok := t.(fmt.Stringer); ok && s.String() != "<nil>" {
		return fmt.Sprintf("%s (type %d)", s, n)
	}
	return fmt.Sprintf("type %d", n)
}

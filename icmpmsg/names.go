package icmpmsg

import (
	"fmt"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Name names an ICMP (v6 false) or ICMPv6 error the way iputils ping
// prints it, by its meaning (see Classify); ICMPv6 codes iputils does not
// name get their RFC's words, and types without a meaning x/net's name of
// the type.
func Name(v6 bool, typ, code int) string {
	m := Classify(v6, typ, code)
	names, prefix := names4, ""
	if v6 {
		names = names6
		if m.Unreachable() && m != FragmentationNeeded {
			prefix = "Destination unreachable: "
		}
	}
	switch n := names[m]; {
	case n != "":
		return prefix + n
	case m == UnreachableBadCode && !v6:
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", code)
	case m == UnreachableBadCode:
		return fmt.Sprintf("%scode %d", prefix, code)
	case m == ParameterProblem:
		return fmt.Sprintf("Parameter problem: code %d", code)
	case v6:
		return fmt.Sprintf("ICMPv6 %s code %d", typeName(ipv6.ICMPType(typ), typ), code)
	}
	return fmt.Sprintf("ICMP %s code %d", typeName(ipv4.ICMPType(typ), typ), code)
}

// names4 and names6 are iputils' names by meaning; ICMPv6's unreachables
// follow "Destination unreachable: ".
var (
	names4 = [numMeanings]string{
		NetUnreachable: "Destination Net Unreachable", HostUnreachable: "Destination Host Unreachable",
		ProtocolUnreachable: "Destination Protocol Unreachable", PortUnreachable: "Destination Port Unreachable",
		FragmentationNeeded: "Frag needed and DF set", SourceRouteFailed: "Source Route Failed",
		NetUnknown: "Destination Net Unknown", HostUnknown: "Destination Host Unknown",
		SourceHostIsolated: "Source Host Isolated", NetProhibited: "Destination Net Prohibited",
		HostProhibited:        "Destination Host Prohibited",
		NetUnreachableForTOS:  "Destination Net Unreachable for Type of Service",
		HostUnreachableForTOS: "Destination Host Unreachable for Type of Service",
		AdminProhibited:       "Packet filtered", PrecedenceViolation: "Precedence Violation",
		PrecedenceCutoff: "Precedence Cutoff", TTLExceeded: "Time to live exceeded",
		ReassemblyTimeExceeded: "Frag reassembly time exceeded", TimeExceededBadCode: "Time to live exceeded",
		ParameterProblem: "Parameter problem", SourceQuench: "Source Quench",
	}
	names6 = [numMeanings]string{
		NetUnreachable: "No route", AdminProhibited: "Administratively prohibited",
		BeyondScope: "Beyond scope of source address", HostUnreachable: "Address unreachable",
		PortUnreachable: "Port unreachable", SourcePolicyFailed: "Source address failed ingress/egress policy",
		RejectRoute: "Reject route to destination", SourceRouteFailed: "Error in source routing header",
		HeadersTooLong: "Headers too long", FragmentationNeeded: "Packet too big",
		TTLExceeded: "Time exceeded: Hop limit", TimeExceededBadCode: "Time exceeded: Hop limit",
		ReassemblyTimeExceeded: "Time exceeded: Fragment reassembly time exceeded",
	}
)

// typeName is x/net's name of an ICMP type, with its number.
func typeName(t icmp.Type, n int) string {
	if s, ok := t.(fmt.Stringer); ok && s.String() != "<nil>" {
		return fmt.Sprintf("%s (type %d)", s, n)
	}
	return fmt.Sprintf("type %d", n)
}

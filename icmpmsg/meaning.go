package icmpmsg

// Meaning is what an ICMP or ICMPv6 error says, one value per distinct
// meaning across the two families: an ICMP Destination Unreachable code 1
// and an ICMPv6 Destination Unreachable code 3 are both HostUnreachable.
// Classify gives it. The traceroute mark (MarkOf), iputils' name (Name),
// Describe's words and the other tools' wording (the packages under
// dialect/) are all derived from it, so that every output names the same
// message the same way.
type Meaning uint8

// Meanings, with the (type/code) that says each, from the IANA registries
// of ICMP (RFC 792, 1812) and ICMPv6 (RFC 4443, 6554, 7112, 8754, 8883).
// The unreachables, NetUnreachable to UnreachableBadCode, end a path.
const (
	// Unclassified: no error netdx reads (an echo reply, an unknown
	// type).
	Unclassified Meaning = iota

	NetUnreachable        // ICMP 3/0; ICMPv6 1/0, no route to destination
	HostUnreachable       // ICMP 3/1; ICMPv6 1/3, address unreachable
	ProtocolUnreachable   // ICMP 3/2
	PortUnreachable       // ICMP 3/3; ICMPv6 1/4
	FragmentationNeeded   // ICMP 3/4 (DF set); ICMPv6 2, Packet Too Big
	SourceRouteFailed     // ICMP 3/5; ICMPv6 1/7, error in source routing header (RFC 6554)
	NetUnknown            // ICMP 3/6
	HostUnknown           // ICMP 3/7
	SourceHostIsolated    // ICMP 3/8
	NetProhibited         // ICMP 3/9
	HostProhibited        // ICMP 3/10
	NetUnreachableForTOS  // ICMP 3/11
	HostUnreachableForTOS // ICMP 3/12
	AdminProhibited       // ICMP 3/13 (RFC 1812); ICMPv6 1/1
	PrecedenceViolation   // ICMP 3/14 (RFC 1812)
	PrecedenceCutoff      // ICMP 3/15 (RFC 1812)
	BeyondScope           // ICMPv6 1/2, beyond scope of source address (RFC 4443)
	SourcePolicyFailed    // ICMPv6 1/5, source address failed ingress/egress policy
	RejectRoute           // ICMPv6 1/6, reject route to destination
	HeadersTooLong        // ICMPv6 1/8 (RFC 8883)
	// UnreachableBadCode: a Destination Unreachable with a code no RFC
	// defines.
	UnreachableBadCode

	TTLExceeded            // ICMP 11/0; ICMPv6 3/0, hop limit exceeded in transit
	ReassemblyTimeExceeded // ICMP 11/1; ICMPv6 3/1
	// TimeExceededBadCode: a Time Exceeded with a code no RFC defines.
	TimeExceededBadCode
	// ParameterProblem: ICMP 12 and ICMPv6 4, any code (ICMPv6's: RFC
	// 4443 0-2, RFC 7112 3, RFC 8754 4, RFC 8883 5-10).
	ParameterProblem
	SourceQuench // ICMP 4 (deprecated by RFC 6633)
	Redirect     // ICMP 5
	numMeanings
)

// Types ICMP (v4) has and the engines do not send or read.
const typeRedirect = 5

// unreachable4 and unreachable6 are the Destination Unreachable codes of
// ICMP and ICMPv6, in code order.
var (
	unreachable4 = [...]Meaning{NetUnreachable, HostUnreachable, ProtocolUnreachable, PortUnreachable,
		FragmentationNeeded, SourceRouteFailed, NetUnknown, HostUnknown, SourceHostIsolated, NetProhibited,
		HostProhibited, NetUnreachableForTOS, HostUnreachableForTOS, AdminProhibited, PrecedenceViolation,
		PrecedenceCutoff}
	unreachable6 = [...]Meaning{NetUnreachable, AdminProhibited, BeyondScope, HostUnreachable, PortUnreachable,
		SourcePolicyFailed, RejectRoute, SourceRouteFailed, HeadersTooLong}
)

// Classify says what an ICMP (v6 false) or ICMPv6 message of type typ and
// code means.
func Classify(v6 bool, typ, code int) Meaning {
	unreach := unreachable4[:]
	switch {
	case v6 && typ == Type6Unreachable:
		unreach = unreachable6[:]
	case v6 && typ == Type6PacketTooBig:
		return FragmentationNeeded
	case v6 && typ == Type6TimeExceeded, !v6 && typ == TypeTimeExceeded:
		return [...]Meaning{TTLExceeded, ReassemblyTimeExceeded, TimeExceededBadCode}[min(uint(code), 2)]
	case v6 && typ == Type6ParamProblem, !v6 && typ == TypeParamProblem:
		return ParameterProblem
	case v6:
		return Unclassified
	case typ == TypeSourceQuench:
		return SourceQuench
	case typ == typeRedirect:
		return Redirect
	case typ != TypeUnreachable:
		return Unclassified
	}
	if code >= 0 && code < len(unreach) {
		return unreach[code]
	}
	return UnreachableBadCode
}

// Meaning says what m means.
func (m *Message) Meaning() Meaning { return Classify(m.IPv6, m.Type, m.Code) }

// Unreachable reports whether m is a Destination Unreachable (or an ICMPv6
// Packet Too Big): an answer that ends the path.
func (m Meaning) Unreachable() bool { return m >= NetUnreachable && m <= UnreachableBadCode }

// IPv4 is the meaning that tools knowing only ICMP's (v4) codes give m:
// m itself, but for the ICMPv6 meanings ICMP has no code for. Beyond
// scope is host unreachable (as Linux traceroute marks it, !H); a failed
// source policy and a reject route are administratively prohibited (!X);
// headers too long has no ICMP counterpart and reads as an unknown code.
func (m Meaning) IPv4() Meaning {
	switch m {
	case BeyondScope:
		return HostUnreachable
	case SourcePolicyFailed, RejectRoute:
		return AdminProhibited
	case HeadersTooLong:
		return UnreachableBadCode
	}
	return m
}

var meaningNames = [numMeanings]string{"unclassified", "net_unreachable", "host_unreachable",
	"protocol_unreachable", "port_unreachable", "fragmentation_needed", "source_route_failed", "net_unknown",
	"host_unknown", "source_host_isolated", "net_prohibited", "host_prohibited", "net_unreachable_for_tos",
	"host_unreachable_for_tos", "admin_prohibited", "precedence_violation", "precedence_cutoff", "beyond_scope",
	"source_policy_failed", "reject_route", "headers_too_long", "unreachable_bad_code", "ttl_exceeded",
	"reassembly_time_exceeded", "time_exceeded_bad_code", "parameter_problem", "source_quench", "redirect"}

// String is m's stable name ("host_unreachable").
func (m Meaning) String() string {
	if m < numMeanings {
		return meaningNames[m]
	}
	return "unknown"
}

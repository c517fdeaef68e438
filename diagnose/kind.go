package diagnose

import "slices"

// Kind names what a finding says: the stable vocabulary of the design.
// Its JSON form is its name ("path_loss"). Never rename one: alerts,
// scripts and journals match on it.
type Kind string

// Finding kinds. A new kind is a constant here, a line in kinds below
// (what its findings are about, which makes their identity), and the rule
// that finds it: /metrics reports every kind of Kinds, the watch tells
// findings apart by Finding.ID, and the renderers print any kind.
const (
	KindLatencyJump       Kind = "latency_jump"
	KindHopICMPRateLimit  Kind = "hop_icmp_ratelimit"
	KindPathLoss          Kind = "path_loss"
	KindUnreachable       Kind = "unreachable"
	KindTargetUnreachable Kind = "target_unreachable"
	KindSniffer           Kind = "sniffer"
	KindPromiscuous       Kind = "promiscuous"
	KindInterfaceErrors   Kind = "interface_errors"
	KindInterfaceDown     Kind = "interface_down"
	KindInterfaceFlapping Kind = "interface_flapping"
	KindRetransmits       Kind = "retransmits"
	KindCleartextService  Kind = "cleartext_service"
	KindUnexpectedGateway Kind = "unexpected_gateway"
	KindDeletedExecutable Kind = "deleted_executable"
	KindTimeWaitPileup    Kind = "time_wait_pileup"
	KindRoutingLoop       Kind = "routing_loop"
	KindMTUBlackHole      Kind = "mtu_blackhole"
	KindAsymmetricReturn  Kind = "asymmetric_return"
)

// about says what a kind's findings are about, which decides their
// identity (see Finding.ID).
type about int

const (
	// aboutHost: this host (an interface, a socket, a process, a route,
	// or the host as a whole), named by the finding's Subject.
	aboutHost about = iota
	// aboutHop: one hop of the path to a target.
	aboutHop
	// aboutPath: the path to a target as a whole. The finding's hop
	// and address say where it shows, which moves as samples grow: they
	// are not part of its identity.
	aboutPath
)

// kindInfo is what diagnose knows of a kind beyond its name.
type kindInfo struct {
	kind  Kind
	about about
}

// kinds is every kind, in the design's order, with what its findings are
// about: the one list that Kinds hands out.
var kinds = []kindInfo{
	{KindLatencyJump, aboutHop},
	{KindHopICMPRateLimit, aboutHop},
	{KindPathLoss, aboutPath},
	{KindUnreachable, aboutHop},
	{KindTargetUnreachable, aboutPath},
	{KindSniffer, aboutHost},
	{KindPromiscuous, aboutHost},
	{KindInterfaceErrors, aboutHost},
	{KindInterfaceDown, aboutHost},
	{KindInterfaceFlapping, aboutHost},
	{KindRetransmits, aboutHost},
	{KindCleartextService, aboutHost},
	{KindUnexpectedGateway, aboutHost},
	{KindDeletedExecutable, aboutHost},
	{KindTimeWaitPileup, aboutHost},
	{KindRoutingLoop, aboutPath},
	{KindMTUBlackHole, aboutPath},
	{KindAsymmetricReturn, aboutPath},
}

// Kinds returns every finding kind, in the design's order: what a reader
// that reports each kind (a metric series per kind) iterates.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

// about is what the kind's findings are about. A kind the list does not
// hold (read from a newer netdx's journal) is taken as about the host: its
// whole subject is its identity.
func (k Kind) about() about {
	i := slices.IndexFunc(kinds, func(d kindInfo) bool { return d.kind == k })
	if i < 0 {
		return aboutHost
	}
	return kinds[i].about
}

// Package tracetest builds trace results for the tests of what renders
// them (the dialects, cmd/netdx), as the engine would have filled them.
package tracetest

import (
	"net/netip"
	"time"

	"netdx/trace"
)

// Sample is a UDP trace with what a hop line can show: a silent hop, MPLS
// labels, a probe the target left unanswered while it answered others
// (rate limiting), and a host unreachable (!H) at the end.
func Sample() trace.Result {
	a := netip.MustParseAddr
	ans := func(addr string, ms float64, typ, code int) trace.Probe {
		return trace.Probe{Addr: a(addr), RTT: time.Duration(ms * float64(time.Millisecond)), ICMPType: typ, ICMPCode: code, ReplyTTL: 63}
	}
	lost := trace.Probe{Timeout: true, ICMPType: -1, ICMPCode: -1}
	mpls := ans("198.18.3.2", 80.412, 11, 0)
	mpls.Extensions = &trace.Extensions{MPLS: []trace.MPLSLabel{{Label: 24001, TC: 0, S: true, TTL: 1}}}
	unreach := ans("198.18.3.2", 80.9, 3, 1)
	unreach.Annotation = "!H"
	return trace.Result{
		Target: "dst.lab", Addr: a("198.18.4.2"), Protocol: trace.UDP, EndReason: trace.EndUnreachable, Sent: 13,
		Hops: []trace.Hop{
			{TTL: 1, Probes: []trace.Probe{ans("198.18.1.2", 0.054, 11, 0), ans("198.18.1.2", 0.021, 11, 0), ans("198.18.1.2", 0.019, 11, 0)}},
			{TTL: 2, Probes: []trace.Probe{lost, lost, lost}},
			{TTL: 3, Probes: []trace.Probe{mpls, ans("198.18.3.2", 80.398, 11, 0), {RateLimited: true, ICMPType: -1, ICMPCode: -1, Attempts: 3}}},
			{TTL: 4, Probes: []trace.Probe{unreach, lost, unreach}},
		},
	}
}

// SampleReport is the report of two rounds of Sample, the second probe
// of the last hop answered too.
func SampleReport() trace.Report {
	res := Sample()
	res.Hops[3].Probes[1] = res.Hops[3].Probes[0]
	rep := trace.Summarize([]trace.Result{res, res})
	rep.Target = "dst.lab"
	return rep
}

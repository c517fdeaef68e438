package diagnose

import (
	"fmt"
	"strings"

	"netdx/icmpmsg"
	"netdx/trace"
)

// routingLoop is a routing loop the trace's hops show: from TTL start on,
// the addresses of one period answer in turn up to the last TTL probed.
type routingLoop struct {
	start, period, last int
	// routers are the addresses of one period, in the order they answer,
	// each with the TTLs it answered at from start on.
	routers []loopRouter
}

type loopRouter struct {
	addr string
	ttls []int
}

// findLoop looks for a routing loop in the hops of a trace that never
// reached its target: a sequence of two or more addresses repeating on
// rising TTLs up to the last TTL probed, each of its places seen at least
// twice. Each TTL reads the address that answered it most; a silent TTL
// fits any address. One address answering several TTLs in a row (a router
// that does not decrement the TTL, an MPLS tunnel, a firewall answering
// for everything behind it) is no loop: the period must hold two
// addresses. The smallest period is taken, and the earliest TTL from which
// it holds.
func findLoop(hops []trace.ReportHop) (routingLoop, bool) {
	seq := map[int]string{}
	last := 0
	for _, h := range hops {
		if h.Received > 0 && len(h.Addrs) > 0 {
			seq[h.TTL] = h.Addrs[0].String()
		}
		last = max(last, h.TTL)
	}
	for p := 2; 2*p <= last; p++ {
		for start := 1; start+2*p-1 <= last; start++ {
			if l, ok := periodic(seq, start, p, last); ok {
				return l, true
			}
		}
	}
	return routingLoop{}, false
}

// periodic reports whether seq repeats with period p from TTL start to
// last, each place of the period answered at two TTLs or more, the places
// holding two addresses or more; it returns the loop from the first TTL
// on that answered.
func periodic(seq map[int]string, start, p, last int) (routingLoop, bool) {
	for ttl := start; ttl+p <= last; ttl++ {
		a, b := seq[ttl], seq[ttl+p]
		if a != "" && b != "" && a != b {
			return routingLoop{}, false
		}
	}
	l := routingLoop{period: p, last: last}
	distinct := map[string]bool{}
	for r := range p {
		var lr loopRouter
		for ttl := start + r; ttl <= last; ttl += p {
			if a := seq[ttl]; a != "" {
				lr.addr = a
				lr.ttls = append(lr.ttls, ttl)
			}
		}
		if len(lr.ttls) < 2 {
			return routingLoop{}, false
		}
		distinct[lr.addr] = true
		l.routers = append(l.routers, lr)
	}
	if len(distinct) < 2 {
		return routingLoop{}, false
	}
	// The loop starts at the first TTL that answered; the routers are
	// listed from there.
	l.start = last
	first := 0
	for i, lr := range l.routers {
		if lr.ttls[0] < l.start {
			l.start, first = lr.ttls[0], i
		}
	}
	l.routers = append(l.routers[first:], l.routers[:first]...)
	return l, true
}

// loopFinding is the finding for a target whose probes loop: critical,
// naming the routers and where the loop starts. The echo stream's Time
// Exceeded errors from those routers, when there are some, are more
// evidence.
func (r *reading) loopFinding(l routingLoop) Finding {
	var names, routers []string
	var ev []map[string]any
	inLoop := map[string]bool{}
	for _, lr := range l.routers {
		names = append(names, fmt.Sprintf("%s (TTLs %s)", lr.addr, ttlList(lr.ttls)))
		routers = append(routers, lr.addr)
		ev = append(ev, map[string]any{"addr": lr.addr, "ttls": lr.ttls})
		inLoop[lr.addr] = true
	}
	evidence := map[string]any{"start_hop": l.start, "period": l.period, "routers": ev, "last_ttl": l.last,
		"rounds": r.rep.Rounds, "end_reason": r.rep.EndReason}
	probes := fmt.Sprintf("%d rounds of %s probes", r.rep.Rounds, r.protocol)
	if r.echo != nil {
		exceeded := 0
		for _, e := range r.echo.Errors {
			if icmpmsg.Classify(r.addr.Is6(), e.Type, e.Code) == icmpmsg.TTLExceeded && inLoop[e.From] {
				exceeded += e.Count
			}
		}
		evidence["echo_sent"], evidence["echo_time_exceeded"] = r.echo.Sent, exceeded
		probes += fmt.Sprintf(" and %d echo requests", r.echo.Sent)
		if exceeded > 0 {
			probes += fmt.Sprintf(", %d of which ran out of TTL at these routers", exceeded)
		}
	}
	return Finding{Kind: KindRoutingLoop, Severity: Critical, Subject: Subject{Target: r.target, Hop: l.start, Addr: l.routers[0].addr},
		Summary: fmt.Sprintf("packets for %s (%s) loop from hop %d on: %s answer in turn up to TTL %d, and the target never answered (%s): a routing loop between %s",
			r.target, r.addr, l.start, strings.Join(names, ", "), l.last, probes, strings.Join(routers, " and ")),
		Headline: fmt.Sprintf("routing loop from hop %d: %s answer in turn up to TTL %d", l.start, strings.Join(routers, " and "), l.last),
		Evidence: evidence}
}

// ttlList writes TTLs for people: all of them up to four, else the first
// three and the last.
func ttlList(ttls []int) string {
	s := make([]string, len(ttls))
	for i, t := range ttls {
		s[i] = fmt.Sprint(t)
	}
	if len(s) > 4 {
		s = append(s[:3], "…", s[len(s)-1])
	}
	return strings.Join(s, ", ")
}

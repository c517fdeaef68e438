package diagnose

import (
	"fmt"
	"net/netip"
	"time"

	"netdx/icmpmsg"
	"netdx/trace"
)

// Path applies the design's path rules to one target's evidence:
//
//   - an unreachable (!H !N !X …) on the way is critical and names the hop
//     that sent it; a target that answered nothing at all is critical;
//     what rests on unverified answers alone is said so, and at most a
//     warning (see unverified);
//   - loss to the target is read from the echo stream, with its 95 %
//     Wilson interval: above --max-loss only when the whole interval is,
//     below only when the whole interval is; otherwise the finding says it
//     is inconclusive and how many probes would decide;
//   - loss at a hop is the path's only if it carries on to every later
//     answering hop and to the target; a hop that loses clearly more than
//     what comes after it rate-limits its own ICMP (hop_icmp_ratelimit);
//     where the path's loss starts is the first hop with clear loss that
//     carries on, after the last hop clearly below it — a range when the
//     hops in between cannot tell;
//   - latency is located with the best RTT of each hop; a step that later
//     hops keep is latency_jump, one they do not is the hop's slow ICMP;
//     --max-rtt judges the target's median RTT by its interval;
//   - addresses repeating in turn on rising TTLs to a target that never
//     answered are a routing_loop (loop.go);
//   - answers that come back over another number of hops than they went
//     show another return path (asymmetric_return), and a placed loss says
//     it may be on the way back (returnpath.go);
//   - large DF requests dying without a word while smaller ones pass are
//     an mtu_blackhole (mtu.go).
func Path(ev PathEvidence, cfg Config) []Finding {
	r := newReading(ev)
	var out []Finding
	for _, h := range r.rep.Hops {
		if h.Annotation == "" {
			continue
		}
		a := hopAddr(h)
		out = append(out, Finding{Kind: KindUnreachable, Severity: Critical, Subject: Subject{Target: r.target, Hop: h.TTL, Addr: a},
			Summary: fmt.Sprintf("hop %d (%s) answers %s for %s (%s): the path ends there",
				h.TTL, a, h.Annotation, r.target, icmpmsg.Describe(h.Annotation)),
			Headline: fmt.Sprintf("hop %d (%s) answers %s: the path ends there", h.TTL, a, h.Annotation),
			Evidence: map[string]any{"annotation": h.Annotation, "received": h.Received, "sent": h.Sent}})
	}
	if !r.answered() {
		switch l, ok := findLoop(r.rep.Hops); {
		case endVerified(out, r.rep):
		case ok:
			out = append(out, r.loopFinding(l))
		default:
			out = append(out, r.unreachable())
		}
		return unverified(out, r.rep)
	}
	out = append(out, r.lossFindings(cfg)...)
	out = append(out, r.latencyFindings(cfg)...)
	out = append(out, r.asymmetryFinding(r.back)...)
	out = append(out, r.mtuFindings(ev.MTU)...)
	return unverified(out, r.rep)
}

// reading is one target's evidence, prepared for the rules.
type reading struct {
	target   string
	addr     netip.Addr
	protocol trace.Protocol
	rep      trace.Report
	echo     *Echo
	// back is what the answers' TTLs say of the way back.
	back returnPath
	// hops are the answering hops in TTL order; the target's, if it
	// answered the trace, is last.
	hops []hopReading
}

type hopReading struct {
	ttl      int
	addr     string
	isTarget bool
	loss     Sample // probes lost, rate-limited ones apart
	fwd      Sample // probes lost with every later probe of their round
	rtt      rttSummary
}

func newReading(ev PathEvidence) *reading {
	rep := trace.Summarize(ev.Rounds)
	rep.Target = ev.Target
	if !rep.Addr.IsValid() {
		rep.Addr = ev.Addr
	}
	if rep.Protocol == 0 {
		rep.Protocol = ev.Protocol
	}
	r := &reading{target: ev.Target, addr: rep.Addr, protocol: rep.Protocol, rep: rep, echo: ev.Echo,
		back: readReturn(ev.Rounds, rep.TargetTTL)}
	for _, h := range rep.Hops {
		if h.Received == 0 {
			continue
		}
		r.hops = append(r.hops, hopReading{ttl: h.TTL, addr: hopAddr(h), isTarget: h.TTL == rep.TargetTTL,
			loss: Sample{K: h.Lost(), N: h.Sent - h.RateLimited}, fwd: Sample{K: h.ForwardLost, N: h.Sent},
			rtt: summarizeRTTs(h.RTTs)})
	}
	return r
}

// answered reports whether the target answered anything: the echo stream
// or a trace probe.
func (r *reading) answered() bool {
	return r.rep.TargetTTL > 0 || (r.echo != nil && r.echo.Received > 0)
}

// targetHop is the trace's reading of the target, if it answered the
// trace.
func (r *reading) targetHop() (hopReading, bool) {
	if n := len(r.hops); n > 0 && r.hops[n-1].isTarget {
		return r.hops[n-1], true
	}
	return hopReading{}, false
}

// unreachable is the finding for a target that answered nothing.
func (r *reading) unreachable() Finding {
	last := "no hop answered"
	if n := len(r.hops); n > 0 {
		h := r.hops[n-1]
		last = fmt.Sprintf("the last answer came from hop %d (%s)", h.ttl, h.addr)
	}
	ev := map[string]any{"end_reason": r.rep.EndReason, "rounds": r.rep.Rounds}
	probes := fmt.Sprintf("%d rounds of %s probes", r.rep.Rounds, r.protocol)
	head := fmt.Sprintf("the target never answered (%d rounds", r.rep.Rounds)
	if r.echo != nil {
		ev["echo_sent"] = r.echo.Sent
		probes += fmt.Sprintf(" and %d echo requests", r.echo.Sent)
		head += fmt.Sprintf(", %d echo requests", r.echo.Sent)
	}
	return Finding{Kind: KindTargetUnreachable, Severity: Critical, Subject: Subject{Target: r.target},
		Summary:  fmt.Sprintf("%s (%s) never answered %s; %s", r.target, r.addr, probes, last),
		Headline: head + ")",
		Evidence: ev}
}

func hopAddr(h trace.ReportHop) string {
	if len(h.Addrs) == 0 {
		return "*"
	}
	return h.Addrs[0].String()
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

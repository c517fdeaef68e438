package probe

import (
	"net/netip"

	"netdx/icmpmsg"
)

// handle matches one packet (icmpmsg.Match, the check trace makes too)
// and applies it to its target.
func (e *engine) handle(m inbound) {
	if m.err != nil {
		// A reader stopped on an unexpected error: nothing more will
		// come on that socket; its probes will time out.
		return
	}
	p := m.pkt
	v := verdict(e.exp[m.fam], p)
	src := p.Src.Unmap().WithZone("")
	switch v.Kind {
	case icmpmsg.Invalid:
		i, ok := e.byAddr[src]
		if !ok {
			i, ok = e.target(v.Index, m.fam)
		}
		if ok {
			e.invalid(i, v.Cause, v.Reason, src, v, p)
		}
	case icmpmsg.Reply:
		e.reply(m.fam, src, v, p)
	case icmpmsg.Error:
		e.icmpError(m.fam, src, v)
	}
}

// verdict is what packet p, read from a Conn, is to a run that expects e:
// icmpmsg.Match of the message, or icmpmsg.MatchQueued of a queued error
// (its Dst set to the destination the kernel reports).
func verdict(e icmpmsg.Expect, p Packet) icmpmsg.Verdict {
	if q := p.Queued; q != nil {
		v := icmpmsg.MatchQueued(e, p.Data, q.Type, q.Code, q.Info)
		v.Dst = p.To
		return v
	}
	return icmpmsg.Match(e, p.Data)
}

// target returns the target at index i of the run if it is one of family
// f.
func (e *engine) target(i, f int) (int, bool) {
	if i < 0 || i >= len(e.targets) || fam(e.targets[i].Addr) != f {
		return -1, false
	}
	return i, true
}

// reply applies a valid echo reply: it must come from the target its
// payload names, and answer a probe sent to it.
func (e *engine) reply(f int, src netip.Addr, v icmpmsg.Verdict, p Packet) {
	i, ok := e.target(v.Index, f)
	if !ok {
		if j, ok := e.byAddr[src]; ok {
			e.invalid(j, icmpmsg.UnknownProbe, "no target of this run has this index", src, v, p)
		}
		return
	}
	if e.targets[i].Addr.WithZone("") != src {
		e.invalid(i, icmpmsg.WrongSource, "reply from "+src.String()+", not the target's address", src, v, p)
		return
	}
	trk := e.trk[i]
	out, _, rtt := trk.reply(v, p.At, p.KernelTime)
	ev := Event{Target: i, Seq: v.Seq, RTT: rtt, TTL: p.TTL, From: src, Bytes: len(p.Data), KernelTime: p.KernelTime,
		Sent: trk.total(), Received: trk.received, AvgRTT: trk.avg()}
	switch out {
	case Received:
		ev.Kind = EventReply
	case Duplicate:
		ev.Kind = EventDuplicate
	case Late:
		ev.Kind = EventLate
	default:
		ev.Kind, ev.Reason = EventInvalid, "no probe with this sequence and send time"
	}
	e.emit(ev)
}

// icmpError applies an ICMP error quoting one of our probes, to the target
// the quote's payload names or, for a quote too short to hold it, the
// target the quoted probe was sent to.
func (e *engine) icmpError(f int, src netip.Addr, v icmpmsg.Verdict) {
	i, ok := e.target(v.Index, f)
	if !ok {
		if i, ok = e.byAddr[v.Dst.Unmap().WithZone("")]; !ok || fam(e.targets[i].Addr) != f {
			return
		}
	}
	trk := e.trk[i]
	switch out, _, cause := trk.icmpError(v, src); out {
	case Errored:
		e.emit(Event{Kind: EventError, Target: i, Seq: v.Seq, From: src, ErrType: v.ErrType, ErrCode: v.ErrCode,
			Sent: trk.total(), Received: trk.received, AvgRTT: trk.avg()})
	case Rejected:
		e.emit(Event{Kind: EventInvalid, Target: i, Seq: v.Seq, From: src, Reason: errorReasons[cause]})
	}
}

// errorReasons say why an ICMP error is invalid, for live output.
var errorReasons = map[icmpmsg.Cause]string{
	icmpmsg.UnknownProbe:      "ICMP error quoting no probe of this run",
	icmpmsg.ContradictedError: "ICMP error for a probe that was answered",
	icmpmsg.RepeatedError:     "another ICMP error for the same probe",
}

// invalid counts a message for target i that failed a check.
func (e *engine) invalid(i int, c icmpmsg.Cause, reason string, src netip.Addr, v icmpmsg.Verdict, p Packet) {
	e.trk[i].reject(c)
	e.emit(Event{Kind: EventInvalid, Target: i, Seq: v.Seq, From: src, Bytes: len(p.Data), Reason: reason})
}

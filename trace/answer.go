package trace

import (
	"net/netip"
	"time"

	"netdx/icmpmsg"
)

// reply is one packet a transport read: an ICMP message, or a TCP segment
// from the target.
type reply struct {
	src netip.Addr
	at  time.Time
	ttl int // TTL / hop limit as received, -1 unknown
	v6  bool
	// icmp is the ICMP message without IP header.
	icmp []byte
	// queued is set for an error from a socket's error queue: icmp then
	// holds the probe as we sent it (from its transport header on), and
	// typ/code the error.
	queued    bool
	typ, code int
	info      uint32
	// tcp is a TCP segment (header first) read on a raw TCP socket.
	tcp []byte
	// reader is the index of the reader that read it (transport.read).
	reader int
}

// answer is an answer to one attempt, matched and checked, ready to be
// applied to its slot.
type answer struct {
	a          *attempt
	p          Probe
	msg        icmpmsg.Message // the ICMP answer (not for TCP)
	tcp        bool
	reached    bool
	fromTarget bool
	quoteTTL   int // the TTL the quote shows left, -1 without a quote
}

// handle applies an answer; it reports whether it was one of ours and
// passed every check. An answer that is ours but fails a check is counted
// by cause (s.rejected). An ICMP error whose quote is too short to hold
// the probe's token is only a claim (see icmpmsg.MatchQuotedEcho): it is
// held on its slot until the slot's wait ends, and a verified answer that
// comes first replaces it.
func (s *sched) handle(r reply, m *matcher) bool {
	ok := func(tok uint16, flow int) bool {
		a := s.byToken[tok]
		return a != nil && (flow < 0 || a.slot.flow == flow)
	}
	x := answer{p: Probe{Addr: r.src, ICMPType: -1, ICMPCode: -1}, quoteTTL: -1,
		fromTarget: r.src.WithZone("") == m.target}
	if r.ttl > 0 {
		x.p.ReplyTTL = r.ttl
	}
	var c claim
	switch {
	case r.tcp != nil:
		c, x.p.TCPFlags = m.fromTCP(r.src, r.tcp, ok)
		x.reached, x.tcp = true, true
	case r.queued:
		x.msg = icmpmsg.Message{IPv6: r.v6, Type: r.typ, Code: r.code, MTU: int(r.info)}
		c = m.fromQueued(r.v6, r.icmp, ok)
		x.p.ICMPType, x.p.ICMPCode = r.typ, r.code
	default:
		msg, err := icmpmsg.ParseMessage(r.v6, r.icmp)
		if err != nil && msg.Quote == nil {
			return false
		}
		x.msg = msg
		x.p.ICMPType, x.p.ICMPCode, x.p.Extensions = msg.Type, msg.Code, msg.Extensions
		if msg.EchoReply() {
			c = m.fromEcho(&msg, r.icmp, r.src, ok)
			x.reached = true
			break
		}
		q, err := icmpmsg.ParseQuote(msg.Quote)
		if err != nil {
			return false
		}
		x.quoteTTL = q.TTL
		c = m.fromQuote(&q, ok)
	}
	if !c.found {
		return false
	}
	x.a = s.byToken[c.token]
	if cause := s.check(&x, c); cause != icmpmsg.CauseNone {
		s.rejected.Add(cause, 1)
		return false
	}
	sl := x.a.slot
	h := s.hop(sl.ttl)
	if sl.state != pending && sl.state != lost && sl.state != limited || h.emitted {
		return true // a duplicate, or too late to count
	}
	x.p.RTT, x.p.Unverified = r.at.Sub(x.a.sent), c.unverified
	if c.unverified && sl.state == pending {
		if sl.claim != nil {
			s.rejected.Add(icmpmsg.RepeatedError, 1)
		} else {
			sl.claim = &x
		}
		return true
	}
	if sl.claim != nil {
		// As ping counts it: an answer from the target shows the claim
		// false; a verified error makes it the repeat.
		cause := icmpmsg.RepeatedError
		if x.reached {
			cause = icmpmsg.ContradictedError
		}
		s.rejected.Add(cause, 1)
		sl.claim = nil
	}
	s.apply(x)
	return true
}

// check is what makes an answer to one of our probes invalid: a failed
// echo check, a send time or size that is not the attempt's, an answer
// that no hop gives.
func (s *sched) check(x *answer, c claim) icmpmsg.Cause {
	switch {
	case c.cause != icmpmsg.CauseNone:
		return c.cause
	case c.sentNS != 0 && c.sentNS != x.a.stamp:
		return icmpmsg.UnknownProbe
	case x.reached && !x.tcp && c.size != max(x.a.size, icmpmsg.MinPayload):
		return icmpmsg.WrongSize
	case !x.tcp && (x.msg.Reassembly() || x.msg.SourceQuench()):
		// Time Exceeded code 1: a destination gave up reassembling
		// fragments; Source Quench: deprecated congestion advice. Neither
		// says the probe's TTL ran out, nor that the path ends.
		return icmpmsg.NotHopAnswer
	}
	return icmpmsg.CauseNone
}

// apply records answer x for its slot, and ends the path when x says so.
func (s *sched) apply(x answer) {
	a, p, msg := x.a, x.p, &x.msg
	sl := a.slot
	h := s.hop(sl.ttl)
	reached := x.reached
	if !x.tcp {
		p.Annotation = msg.Mark(x.fromTarget)
		if msg.PortUnreachable() && x.fromTarget {
			reached = true
		}
	}
	stop := reached || (p.Annotation != "" && !msg.TimeExceeded())
	if s.cfg.MTU && msg.MTU > 0 && msg.Meaning() == icmpmsg.FragmentationNeeded {
		s.shrink(a, msg.MTU)
		return
	}
	if !stop {
		s.record(sl, h, p)
		return
	}
	// Where does the path end? A quote tells how many hops the probe
	// really crossed: a probe sent with a higher TTL than needed still
	// counts for the hop it reached.
	end := a.ttl
	if x.quoteTTL >= 0 {
		if d := a.ttl - x.quoteTTL + 1; d >= s.cfg.FirstTTL && d <= a.ttl {
			end = d
		}
	}
	if end > s.last {
		return // beyond an end already known
	}
	if reached {
		s.reached = true
		s.endReason = EndReached
	} else if s.endReason == "" || end < s.last {
		s.endReason = EndUnreachable
	}
	s.end(end)
	if reached {
		// Probes to the target already sent again after a timeout are
		// victims of its rate limit: do not wait for them.
		for _, c := range s.hop(end).slots {
			if c.state == pending && c.attempts > 1 {
				c.state = limited
			}
		}
	}
	if end != a.ttl {
		sl, h = nil, s.hop(end)
		for _, c := range h.slots {
			if c.state == pending || c.state == lost || c.state == limited {
				sl = c
				break
			}
		}
		if sl == nil {
			return
		}
		p.SentTTL = a.ttl
	}
	s.record(sl, h, p)
}

func (s *sched) record(sl *slot, h *hop, p Probe) {
	sl.state, sl.probe, sl.queued, sl.claim = answered, p, false, nil
	if p.Extensions != nil {
		s.odd.AddCounts(p.Extensions.Oddities())
	}
	h.answers++
	h.maxRTT = max(h.maxRTT, p.RTT)
	s.budget.learn(h.ttl, p.RTT)
	if s.cfg.OnAnswer != nil {
		s.cfg.OnAnswer(p.Addr)
	}
}

// shrink handles Fragmentation Needed / Packet Too Big in --mtu mode:
// later probes use the smaller size and the slot is sent again at once.
func (s *sched) shrink(a *attempt, mtu int) {
	overhead := s.ipSize(0)
	if n := mtu - overhead; n >= s.cfg.Protocol.probing().minPayload() && n < s.size {
		s.size = n
	}
	s.pmtu = s.ipSize(s.size)
	sl := a.slot
	if sl.state == pending && !sl.queued && sl.last == a {
		sl.attempts-- // a probe too big for the path is not a try
		sl.queued, sl.notBefore = true, time.Time{}
		s.retry = append(s.retry, sl)
	}
}

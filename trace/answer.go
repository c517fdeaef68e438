package trace

import (
	"net/netip"
	"time"
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
}

// handle applies an answer; it reports whether it was one of ours.
func (s *sched) handle(r reply, m *matcher) bool {
	ok := func(tok uint16, flow int) bool {
		a := s.byToken[tok]
		return a != nil && (flow < 0 || a.slot.flow == flow)
	}
	p := Probe{Addr: r.src, ICMPType: -1, ICMPCode: -1}
	if r.ttl > 0 {
		p.ReplyTTL = r.ttl
	}
	var (
		tok     uint16
		found   bool
		msg     Message
		quote   *Quote
		reached bool
	)
	switch {
	case r.tcp != nil:
		var flags string
		tok, _, flags, found = m.fromTCP(r.src, r.tcp, ok)
		p.TCPFlags, reached = flags, true
	case r.queued:
		msg = Message{IPv6: r.v6, Type: r.typ, Code: r.code, MTU: int(r.info)}
		tok, found = m.fromQueued(r.icmp, ok)
		p.ICMPType, p.ICMPCode = r.typ, r.code
	default:
		var err error
		msg, err = ParseMessage(r.v6, r.icmp)
		if err != nil && msg.Quote == nil {
			return false
		}
		p.ICMPType, p.ICMPCode, p.Extensions = msg.Type, msg.Code, msg.Extensions
		if msg.EchoReply() {
			tok, found = m.fromEcho(&msg, r.icmp, ok)
			reached = true
			break
		}
		q, err := ParseQuote(msg.Quote)
		if err != nil {
			return false
		}
		quote = &q
		tok, _, found = m.fromQuote(&q, ok)
	}
	if !found {
		return false
	}
	a := s.byToken[tok]
	sl := a.slot
	h := s.hop(sl.ttl)
	if sl.state != pending && sl.state != lost && sl.state != limited || h.emitted {
		return true // a duplicate, or too late to count
	}
	p.RTT = r.at.Sub(a.sent)
	if r.tcp == nil {
		fromTarget := r.src == m.target
		p.Annotation = Annotation(&msg, fromTarget)
		if msg.portUnreachable() && fromTarget {
			reached = true
		}
	}
	stop := reached || (p.Annotation != "" && !msg.TimeExceeded())
	if s.cfg.MTU && msg.MTU > 0 && msg.Unreachable() && (msg.Type == icmp6PacketTooBig || !msg.IPv6) {
		s.shrink(a, msg.MTU)
		return true
	}
	if !stop {
		s.record(sl, h, p)
		return true
	}
	// Where does the path end? A quote tells how many hops the probe
	// really crossed: a probe sent with a higher TTL than needed still
	// counts for the hop it reached.
	end := a.ttl
	if quote != nil {
		if d := a.ttl - quote.TTL + 1; d >= s.cfg.FirstTTL && d <= a.ttl {
			end = d
		}
	}
	if end > s.last {
		return true // beyond an end already known
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
			return true
		}
		p.SentTTL = a.ttl
	}
	s.record(sl, h, p)
	return true
}

func (s *sched) record(sl *slot, h *hop, p Probe) {
	sl.state, sl.probe, sl.queued = answered, p, false
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
	if n := mtu - overhead; n >= minPayload && n < s.size {
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

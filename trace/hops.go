package trace

// end marks the path as ending at ttl: nothing beyond it matters.
func (s *sched) end(ttl int) {
	if ttl >= s.last {
		return
	}
	s.last = ttl
	for _, h := range s.hops {
		if h.ttl <= ttl {
			continue
		}
		for _, sl := range h.slots {
			if sl.state == pending {
				sl.state = dropped
			}
		}
	}
}

// complete returns the hops that are complete, in TTL order, each once.
func (s *sched) complete() []Hop {
	var out []Hop
	for s.emitNext <= s.last {
		h := s.hop(s.emitNext)
		for _, sl := range h.slots {
			if sl.state == pending {
				return out
			}
		}
		h.emitted = true
		out = append(out, s.hopResult(h))
		s.emitNext++
	}
	return out
}

func (s *sched) done() bool { return s.emitNext > s.last }

// interrupted returns, once the trace is cut short, the hops not yet
// complete up to the last one that answered anything: what was measured.
// Probes still waiting for an answer are shown as timed out.
func (s *sched) interrupted() []Hop {
	last := 0
	for ttl := s.emitNext; ttl <= s.last; ttl++ {
		for _, sl := range s.hop(ttl).slots {
			if sl.state == answered {
				last = ttl
			}
		}
	}
	var out []Hop
	for ; s.emitNext <= last; s.emitNext++ {
		h := s.hop(s.emitNext)
		for _, sl := range h.slots {
			if sl.state == pending {
				sl.state = lost
			}
		}
		h.emitted = true
		out = append(out, s.hopResult(h))
	}
	return out
}

func (s *sched) hopResult(h *hop) Hop {
	r := Hop{TTL: h.ttl}
	for _, sl := range h.slots {
		p := sl.probe
		p.Flow, p.Attempts = sl.flow, sl.attempts
		switch sl.state {
		case lost:
			p = Probe{Timeout: true, ICMPType: -1, ICMPCode: -1, Flow: sl.flow, Attempts: sl.attempts}
		case limited:
			p = Probe{RateLimited: true, ICMPType: -1, ICMPCode: -1, Flow: sl.flow, Attempts: sl.attempts}
		}
		if sl.state == answered && s.cfg.MTU && sl.last != nil {
			r.PMTU = max(r.PMTU, s.ipSize(sl.last.size))
		}
		r.Probes = append(r.Probes, p)
	}
	r.Unverified = onlyUnverified(r.Probes)
	return r
}

// ipSize is the IP packet size of a probe with n bytes of payload.
func (s *sched) ipSize(n int) int {
	return s.cfg.Protocol.PacketSize(s.cfg.target.Is6(), n)
}

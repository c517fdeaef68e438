package trace

import (
	"time"

	"netdx/icmpmsg"
)

// Pacing of retries to the same hop: a hop that answered some probes (a
// router or target rate-limiting its ICMP) and the frontier, the first TTL
// past the last answer, which is polled until its deadline in case the
// target's limiter is empty.
const (
	minWait      = 100 * time.Millisecond
	partialGap   = time.Second             // Linux refills one ICMP a second
	frontierGap  = 20 * time.Millisecond   // for the first frontierFast
	frontierSlow = 250 * time.Millisecond  // after it, until Config.Wait
	frontierFast = 1500 * time.Millisecond // Linux refills a token a second
	waitRTTs     = 3
	defaultBurst = 16
)

type slotState int

const (
	pending  slotState = iota // not sent yet, in flight, or waiting for a retry
	answered                  // an attempt got an answer
	lost                      // timed out for good
	limited                   // timed out on a hop that answered others
	dropped                   // beyond the end of the path
)

// slot is one probe position of a hop: the Queries probes of each flow.
type slot struct {
	ttl, flow int
	state     slotState
	attempts  int
	first     time.Time // first send
	last      *attempt  // latest attempt
	queued    bool      // waiting in the send queue
	polling   bool      // at the frontier: sent again every frontierGap
	notBefore time.Time // for a queued retry
	probe     Probe
	// claim is an unverified answer (an ICMP error quoting too little of
	// an ICMP probe to hold its token), held until the slot's wait ends
	// unless a verified answer comes first.
	claim *answer
}

// attempt is one packet sent for a slot.
type attempt struct {
	slot  *slot
	token uint16
	ttl   int
	size  int
	sent  time.Time
	ok    bool // sent without error
	// stamp is the send time an ICMP probe's payload carries, set by
	// the transport that built it; answers must carry it back.
	stamp int64
}

type hop struct {
	ttl     int
	slots   []*slot
	answers int
	maxRTT  time.Duration
	next    time.Time // earliest time for the next retry to this hop
	emitted bool
}

// sched is the trace state machine: which probe to send when, what an
// answer means, when a hop is complete. It does no I/O and reads no clock:
// every call takes the time, so tests drive it with their own.
type sched struct {
	cfg   Config
	start time.Time
	hops  []*hop // by TTL - FirstTTL
	wave  []*slot
	retry []*slot

	byToken map[uint16]*attempt
	budget  *budget

	last      int // highest TTL that matters
	reached   bool
	endReason string
	size      int // probe size (payload bytes); shrinks with --mtu
	pmtu      int // path MTU learnt, 0 if none

	emitNext int
	sent     int
	// rejected counts the answers to our probes that failed a check; odd
	// the answers recorded that were read leniently.
	rejected icmpmsg.Counts
	odd      icmpmsg.OddityCounts
}

func newSched(cfg Config, start time.Time, b *budget) *sched {
	s := &sched{
		cfg: cfg, start: start, byToken: map[uint16]*attempt{}, budget: b,
		last: cfg.MaxTTL, size: cfg.payload(), emitNext: cfg.FirstTTL,
	}
	for ttl := cfg.FirstTTL; ttl <= cfg.MaxTTL; ttl++ {
		h := &hop{ttl: ttl}
		for f := 0; f < cfg.Flows; f++ {
			for q := 0; q < cfg.Queries; q++ {
				sl := &slot{ttl: ttl, flow: f, queued: true}
				h.slots = append(h.slots, sl)
				s.wave = append(s.wave, sl)
			}
		}
		s.hops = append(s.hops, h)
	}
	return s
}

func (s *sched) hop(ttl int) *hop { return s.hops[ttl-s.cfg.FirstTTL] }

// decided reports whether no slot of h is pending any more.
func (h *hop) decided() bool {
	for _, sl := range h.slots {
		if sl.state == pending {
			return false
		}
	}
	return true
}

// due returns the probes to send now, in order, and when to call again.
func (s *sched) due(now time.Time) (out []*attempt, wake time.Time) {
	s.expire(now)
	s.budget.refill(now)
	take := func(sl *slot) bool {
		if !s.budget.takePacket() {
			return false
		}
		out = append(out, s.newAttempt(sl))
		return true
	}
	// Retries first: they are the ones with a deadline.
	keep := s.retry[:0]
	blocked := false
	for _, sl := range s.retry {
		switch {
		case sl.state != pending || sl.ttl > s.last:
			sl.queued = false
		case blocked || sl.notBefore.After(now):
			keep = append(keep, sl)
		case !take(sl):
			blocked = true
			keep = append(keep, sl)
		}
	}
	s.retry = keep
	horizon := s.horizonTTL()
	for len(s.wave) > 0 && !blocked {
		sl := s.wave[0]
		if sl.state != pending || sl.ttl > s.last {
			sl.queued = false
			s.wave = s.wave[1:]
			continue
		}
		if sl.ttl > horizon {
			break // sent once the hops before it are known
		}
		if !take(sl) {
			blocked = true
			break
		}
		s.wave = s.wave[1:]
	}
	return out, s.wake(now, blocked)
}

func (s *sched) newAttempt(sl *slot) *attempt {
	a := &attempt{slot: sl, token: s.budget.token(), ttl: sl.ttl, size: s.size}
	sl.queued = false
	sl.attempts++
	sl.last = a
	s.byToken[a.token] = a
	return a
}

// sent records that a left at t (err: it could not be sent).
func (s *sched) sentAt(a *attempt, t time.Time, err error) {
	a.sent = t
	a.ok = err == nil
	s.sent++
	sl := a.slot
	if sl.first.IsZero() {
		sl.first = t
	}
	if sl.attempts > 1 {
		gap := partialGap
		if s.hop(sl.ttl).answers == 0 {
			gap = frontierGap
			if t.Sub(s.start) > frontierFast {
				gap = frontierSlow
			}
		}
		s.hop(sl.ttl).next = t.Add(gap)
	}
}

// wait is how long to wait for an answer to a probe at ttl: a few times
// the RTT of the hops at or beyond it, bounded by Config.Wait.
//
// A trace with no answer at or beyond ttl yet takes the RTT of any hop:
// past the frontier its slots stay pending anyway (see decide). Report
// rounds decide every slot at its wait, so without an answer at or beyond
// ttl in this round or an earlier one they wait Config.Wait: a far hop
// behind a near one (150 ms behind 1 ms) would otherwise time out in every
// round and never be learnt. Once a TTL has been waited out with nothing
// answering at or beyond it (a silent end of the path), later TTLs and
// rounds go back to the RTT of any hop.
func (s *sched) wait(ttl int) time.Duration {
	var ref, any time.Duration
	for _, h := range s.hops {
		any = max(any, h.maxRTT)
		if h.ttl >= ttl {
			ref = max(ref, h.maxRTT)
		}
	}
	if ref == 0 {
		beyond, all := s.budget.slowest(ttl)
		ref = beyond
		if ref == 0 && (!s.cfg.report || s.budget.waitedOut(ttl)) {
			ref = max(any, all)
		}
	}
	if ref == 0 {
		return s.cfg.Wait
	}
	return min(max(waitRTTs*ref, minWait), s.cfg.Wait)
}

// frontier is the first TTL past the last hop that answered, while the
// target has not: where a rate-limited target may hide.
func (s *sched) frontier() int {
	if s.reached || s.endReason != "" {
		return 0
	}
	f := s.cfg.FirstTTL
	for _, h := range s.hops {
		if h.answers > 0 {
			f = h.ttl + 1
		}
	}
	return f
}

// pollEnd is when the frontier stops being polled, and the probes past it
// that were left waiting for it are lost: Config.Wait after the start when
// retries are on; never for report rounds, which retry nothing: a poll that
// finds the target after a lost probe would hide loss.
func (s *sched) pollEnd() time.Time {
	if s.cfg.Retries > 0 {
		return s.start.Add(s.cfg.Wait)
	}
	return s.start
}

// horizonTTL is the highest TTL the first wave may probe now (see
// Config.horizon): horizon TTLs past the highest hop that answered or is
// decided.
func (s *sched) horizonTTL() int {
	if s.cfg.horizon <= 0 || s.budget.silent > 0 {
		// Past a silent end of the path, TTLs are sent at once: one
		// by one, each would cost a wait.
		return s.cfg.MaxTTL
	}
	known := s.cfg.FirstTTL - 1
	for _, h := range s.hops {
		if h.answers > 0 || h.decided() {
			known = h.ttl
		}
	}
	return known + s.cfg.horizon
}

// expire decides about every slot whose latest attempt has timed out.
func (s *sched) expire(now time.Time) {
	front := s.frontier()
	s.timedOut(now, func(sl *slot, h *hop) bool {
		s.decide(sl, h, front, now)
		return true
	})
	s.poll(front, now)
}

// overdue reports whether expire would decide about a slot at now.
func (s *sched) overdue(now time.Time) bool {
	found := false
	s.timedOut(now, func(*slot, *hop) bool {
		found = true
		return false
	})
	return found
}

// timedOut calls fn for every slot in flight whose latest attempt's wait
// has run out at now, while fn returns true.
func (s *sched) timedOut(now time.Time, fn func(*slot, *hop) bool) {
	for _, h := range s.hops {
		if h.ttl > s.last {
			break
		}
		w := s.wait(h.ttl)
		for _, sl := range h.slots {
			if sl.state != pending || sl.queued || sl.last == nil || sl.last.sent.IsZero() || now.Before(sl.last.sent.Add(w)) {
				continue
			}
			if !fn(sl, h) {
				return
			}
		}
	}
}

// poll sends one more probe to the frontier every frontierGap, the slot
// waiting longest first, without waiting for the previous one to time
// out: a drained target answers as soon as its bucket has a token.
func (s *sched) poll(front int, now time.Time) {
	if front == 0 || front > s.last || !now.Before(s.pollEnd()) {
		return
	}
	h := s.hop(front)
	if now.Before(h.next) {
		return
	}
	var pick *slot
	for _, sl := range h.slots {
		if sl.state != pending || sl.queued {
			if sl.queued {
				return // one probe at a time
			}
			continue
		}
		if sl.polling && (pick == nil || sl.last.sent.Before(pick.last.sent)) {
			pick = sl
		}
	}
	if pick != nil {
		pick.queued, pick.notBefore = true, now
		s.retry = append(s.retry, pick)
	}
}

func (s *sched) decide(sl *slot, h *hop, front int, now time.Time) {
	retry := func() {
		sl.queued = true
		sl.notBefore = maxTime(now, h.next)
		s.retry = append(s.retry, sl)
	}
	if x := sl.claim; x != nil {
		// Nothing verified came in the wait: the claim stands.
		sl.claim = nil
		s.apply(*x)
		return
	}
	switch {
	case s.reached && sl.ttl == s.last:
		// The target answered this TTL: what it did not answer, its
		// ICMP rate limit swallowed.
		sl.state = limited
	case h.answers > 0 && sl.attempts <= s.cfg.Retries && now.Before(sl.first.Add(s.cfg.Wait)):
		retry()
	case h.answers > 0:
		sl.state = limited
	case sl.ttl == front && now.Before(s.pollEnd()):
		sl.polling = true
	case front != 0 && sl.ttl > front && now.Before(s.pollEnd()):
		// Past the frontier: wait and see whether the frontier is a
		// rate-limited target before calling these lost.
	default:
		sl.state = lost
		if s.cfg.report && !now.Before(sl.last.sent.Add(s.cfg.Wait)) {
			if beyond, _ := s.budget.slowest(sl.ttl); beyond == 0 {
				s.budget.silentFrom(sl.ttl)
			}
		}
	}
}

// wake is when due must run again.
func (s *sched) wake(now time.Time, blocked bool) time.Time {
	var w time.Time
	soon := func(t time.Time) {
		t = maxTime(t, now)
		if w.IsZero() || t.Before(w) {
			w = t
		}
	}
	if blocked {
		soon(s.budget.nextPacket(now))
	}
	for _, sl := range s.retry {
		soon(sl.notBefore)
	}
	parked := false
	for _, h := range s.hops {
		if h.ttl > s.last {
			break
		}
		w8 := s.wait(h.ttl)
		for _, sl := range h.slots {
			if sl.state != pending || sl.queued || sl.last == nil || sl.last.sent.IsZero() {
				continue
			}
			d := sl.last.sent.Add(w8)
			if d.After(now) {
				soon(d)
			} else {
				parked = true
			}
		}
	}
	if parked {
		soon(s.pollEnd())
	}
	if f := s.frontier(); f != 0 && f <= s.last && now.Before(s.pollEnd()) {
		for _, sl := range s.hop(f).slots {
			if sl.state == pending && sl.polling && !sl.queued {
				soon(maxTime(s.hop(f).next, now))
				break
			}
		}
	}
	return w
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

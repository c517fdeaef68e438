package trace

import "time"

// budget is what the traces running at once on one session share: the
// 16-bit probe tokens, so that no two probes in flight ever carry the same
// one, the packet rate (Config.PPS, after a burst of defaultBurst), and
// what earlier rounds learnt of the RTTs (a round whose probes are all
// lost still waits a few RTTs, not Config.Wait). Report rounds overlap;
// each is a sched drawing on the same budget.
type budget struct {
	next  uint16
	inUse map[uint16]struct{}
	rtt   map[int]time.Duration // slowest answer at each TTL
	// silent is the smallest TTL a report round waited out (Config.Wait)
	// with nothing ever answering at or beyond it; 0 if none.
	silent int

	pps     int
	packets float64 // rate bucket
	at      time.Time
}

func newBudget(pps int, now time.Time, firstToken uint16) *budget {
	return &budget{next: firstToken, inUse: map[uint16]struct{}{}, rtt: map[int]time.Duration{}, pps: pps, packets: defaultBurst, at: now}
}

// token hands out the next free token, in sequence so that a token comes
// back as late as possible; 0 and 0xffff are not valid UDP checksums.
// Config bounds the probes in flight well below the 65534 tokens; should
// they run out anyway, the oldest are reused.
func (b *budget) token() uint16 {
	for range 1 << 16 {
		t := b.next
		b.next++
		if _, used := b.inUse[t]; t != 0 && t != 0xffff && !used {
			b.inUse[t] = struct{}{}
			return t
		}
	}
	b.next++
	return max(b.next&0x7fff, 1)
}

// release gives back the tokens of a trace that has ended.
func (b *budget) release(tokens map[uint16]*attempt) {
	for t := range tokens {
		delete(b.inUse, t)
	}
}

// refill adds the packets the rate allows since the last call.
func (b *budget) refill(now time.Time) {
	if b.pps > 0 && now.After(b.at) {
		b.packets = min(b.packets+now.Sub(b.at).Seconds()*float64(b.pps), defaultBurst)
	}
	b.at = maxTime(b.at, now)
}

// takePacket spends one packet of the rate, if there is one.
func (b *budget) takePacket() bool {
	if b.pps <= 0 {
		return true
	}
	if b.packets < 1 {
		return false
	}
	b.packets--
	return true
}

// nextPacket is when the rate allows the next packet.
func (b *budget) nextPacket(now time.Time) time.Time {
	if b.pps <= 0 || b.packets >= 1 {
		return now
	}
	return now.Add(time.Duration((1 - b.packets) / float64(b.pps) * float64(time.Second)))
}

// learn records an answer at ttl after rtt.
func (b *budget) learn(ttl int, rtt time.Duration) {
	b.rtt[ttl] = max(b.rtt[ttl], rtt)
}

// slowest returns the slowest answer learnt at ttl or beyond, and at any
// TTL.
func (b *budget) slowest(ttl int) (beyond, all time.Duration) {
	for t, d := range b.rtt {
		all = max(all, d)
		if t >= ttl {
			beyond = max(beyond, d)
		}
	}
	return beyond, all
}

// silentFrom records that a round waited ttl out with nothing answering at
// or beyond it.
func (b *budget) silentFrom(ttl int) {
	if b.silent == 0 || ttl < b.silent {
		b.silent = ttl
	}
}

// waitedOut reports whether ttl is at or past a TTL waited out with
// nothing answering beyond (see silentFrom).
func (b *budget) waitedOut(ttl int) bool { return b.silent > 0 && ttl >= b.silent }

package netlab

import "time"

// Bursts is bursty loss on a link: at the start of every Period the link
// loses every frame, both ways, for Length, then carries everything until
// the next period. Only IP frames are lost: ARP and IPv6 neighbour
// discovery cross, so that neighbours stay known and the loss is exactly
// the schedule's. The zero value is no loss.
type Bursts struct {
	Period, Length time.Duration
}

// BurstSchedule is a link's bursty loss as it runs: the link loses the
// frames it reads in [Start + k·Period, Start + k·Period + Length) for
// k = 0, 1, …, deciding by the time its wire reads each frame (to within
// the wire's scheduling, well under a millisecond on an idle machine).
type BurstSchedule struct {
	Bursts
	Start time.Time
}

// Lost reports whether a frame the link reads at t is lost.
func (s BurstSchedule) Lost(t time.Time) bool {
	if s.Period <= 0 || t.Before(s.Start) {
		return false
	}
	return t.Sub(s.Start)%s.Period < s.Length
}

// Rate is the long-run share of the time the link loses everything,
// Length/Period: the true loss rate of probes sent at random times that
// cross the link once.
func (s BurstSchedule) Rate() float64 {
	if s.Period <= 0 {
		return 0
	}
	return float64(s.Length) / float64(s.Period)
}

// Share is the share of the time from from to to that falls in bursts:
// the loss rate that probes sent evenly over that time see on the link.
func (s BurstSchedule) Share(from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	return float64(s.lostBy(to)-s.lostBy(from)) / float64(to.Sub(from))
}

// lostBy is how long the link has spent in bursts from Start to t.
func (s BurstSchedule) lostBy(t time.Time) time.Duration {
	if s.Period <= 0 || !t.After(s.Start) {
		return 0
	}
	d := t.Sub(s.Start)
	return d/s.Period*s.Length + min(d%s.Period, s.Length)
}

package trace

import (
	"net/netip"
	"sort"
)

// Summarize folds the rounds of a report into per-hop statistics, reading
// the path as the design's rules say:
//
//   - The target is one hop, at the smallest TTL at which it ever answered
//     (Report.TargetTTL). No hop follows it, however many TTLs a round
//     probed before it knew where the target was: those probes only say
//     where the target is. They do not count for its loss either: a round
//     probes past the target's TTL only when its probe there was lost (one
//     TTL at a time until the target is known), so counting their answers
//     would hide loss at the target.
//   - Loss is read per round: a lost probe is forward loss only if every
//     higher-TTL probe of its round was lost too (trippy's forward and
//     backward reading); otherwise the hop merely did not answer.
func Summarize(rounds []Result) Report {
	r := Report{Rounds: len(rounds)}
	for _, res := range rounds {
		r.Target, r.Addr, r.Protocol = res.Target, res.Addr, res.Protocol
		r.Reached = r.Reached || res.Reached
		r.EndReason = res.EndReason
		r.Invalid += res.Invalid
		r.InvalidByCause = addCounts(r.InvalidByCause, res.InvalidByCause)
		r.Oddities = addCounts(r.Oddities, res.Oddities)
	}
	if r.Reached {
		r.EndReason = EndReached
	}
	r.TargetTTL = targetTTL(rounds)
	type acc struct {
		h     ReportHop
		count map[netip.Addr]int
	}
	byTTL := map[int]*acc{}
	maxTTL := 0
	for _, res := range rounds {
		hops := foldRound(res, r.TargetTTL)
		for i, h := range hops {
			a := byTTL[h.TTL]
			if a == nil {
				a = &acc{h: ReportHop{TTL: h.TTL}, count: map[netip.Addr]int{}}
				byTTL[h.TTL] = a
			}
			maxTTL = max(maxTTL, h.TTL)
			later := answeredAfter(hops, i)
			for _, p := range h.Probes {
				a.h.Sent++
				switch {
				case p.Answered():
					a.h.Received++
					a.count[p.Addr]++
					a.h.RTTs = append(a.h.RTTs, p.RTT)
					a.h.Last = p.RTT
					if p.Unverified {
						a.h.Unverified++
					}
					if p.Annotation != "" {
						a.h.Annotation = p.Annotation
					}
				case p.RateLimited:
					a.h.RateLimited++
				case !later:
					a.h.ForwardLost++
				}
			}
		}
	}
	for ttl := 1; ttl <= maxTTL; ttl++ {
		a := byTTL[ttl]
		if a == nil {
			continue
		}
		for addr := range a.count {
			a.h.Addrs = append(a.h.Addrs, addr)
		}
		sort.Slice(a.h.Addrs, func(i, j int) bool {
			ci, cj := a.count[a.h.Addrs[i]], a.count[a.h.Addrs[j]]
			if ci != cj {
				return ci > cj
			}
			return a.h.Addrs[i].Less(a.h.Addrs[j])
		})
		a.h.Avg, a.h.Best, a.h.Worst, a.h.StDev = stats(a.h.RTTs)
		r.Hops = append(r.Hops, a.h)
	}
	return r
}

// targetTTL is the smallest TTL at which the target answered in any of the
// rounds, 0 if it never did. An answer from the target's address means
// the probe reached it, whatever the message.
func targetTTL(rounds []Result) int {
	k := 0
	for _, res := range rounds {
		for _, h := range res.Hops {
			if k != 0 && h.TTL >= k {
				break
			}
			for _, p := range h.Probes {
				if fromTarget(p, res.Addr) {
					k = h.TTL
					break
				}
			}
		}
	}
	return k
}

func fromTarget(p Probe, target netip.Addr) bool {
	return p.Answered() && p.Addr.WithZone("") == target.WithZone("")
}

// foldRound returns the round's hops up to the target's hop k: the probes
// past it are left out (see Summarize).
func foldRound(res Result, k int) []Hop {
	if k == 0 {
		return res.Hops
	}
	for i, h := range res.Hops {
		if h.TTL > k {
			return res.Hops[:i]
		}
	}
	return res.Hops
}

// answeredAfter reports whether any probe of the hops after hops[i] was
// answered.
func answeredAfter(hops []Hop, i int) bool {
	for _, h := range hops[i+1:] {
		for _, p := range h.Probes {
			if p.Answered() {
				return true
			}
		}
	}
	return false
}

// addCounts adds the counts of b, by name, to a (made when needed).
func addCounts(a, b map[string]int) map[string]int {
	for k, n := range b {
		if a == nil {
			a = map[string]int{}
		}
		a[k] += n
	}
	return a
}

package diagnose

import (
	"math"
	"slices"
	"time"

	"netdx/internal/quantile"
)

// z95 is the standard normal quantile of a two-sided 95 % interval.
const z95 = 1.959964

// Sample is k events (lost probes) out of n trials, with the 95 % Wilson
// score interval of the rate. Wilson's interval stays inside [0, 1] and
// keeps its coverage for rates near 0 and small n, where the normal
// approximation claims certainty it does not have (0 of 10 lost is not
// "0 % loss": it is 0 to 28 %).
type Sample struct {
	K, N int
}

// Rate is K/N in percent (0 without trials).
func (s Sample) Rate() float64 {
	if s.N == 0 {
		return 0
	}
	return 100 * float64(s.K) / float64(s.N)
}

// Interval is the 95 % Wilson score interval of the rate, in percent;
// [0, 100] without trials.
func (s Sample) Interval() (lo, hi float64) {
	if s.N == 0 {
		return 0, 100
	}
	n, p := float64(s.N), float64(s.K)/float64(s.N)
	z2 := z95 * z95
	den := 1 + z2/n
	mid := (p + z2/(2*n)) / den
	half := z95 * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	lo, hi = max(0, mid-half), min(1, mid+half)
	// At K = 0 or K = N the interval touches the bound exactly.
	if s.K == 0 {
		lo = 0
	}
	if s.K == s.N {
		hi = 1
	}
	return 100 * lo, 100 * hi
}

// Above reports whether the rate is above pct with 95 % confidence.
func (s Sample) Above(pct float64) bool {
	lo, _ := s.Interval()
	return lo > pct
}

// Below reports whether the rate is at or below pct with 95 % confidence.
func (s Sample) Below(pct float64) bool {
	_, hi := s.Interval()
	return hi <= pct
}

// zClear is the bar for "clearly below" between two samples: a one-sided
// two-proportion z-test at z >= 4 (p < 3e-5). The comparisons decide where
// loss starts and which router rate-limits, several per target and run; a
// 95 % bar would call equal rates different in one run of a few hundred.
const zClear = 4

// zClean is the bar for a hop before where loss starts to be clean: z >= 3
// (p < 1.4e-3). It is only asked of hops that already failed to be the
// start, so calling the true start clean takes two unlikely draws at once.
const zClean = 3

// ClearlyBelow reports whether s's rate is below o's beyond chance (a
// pooled two-proportion z-test, z >= zClear). A hop that loses clearly
// less than the target has not seen the path's loss yet; a hop that loses
// clearly more than what follows it rate-limits its own ICMP.
func (s Sample) ClearlyBelow(o Sample) bool { return s.below(o, zClear) }

// below is ClearlyBelow at the bar z.
func (s Sample) below(o Sample, z float64) bool {
	if s.N == 0 || o.N == 0 {
		return false
	}
	p1, p2 := float64(s.K)/float64(s.N), float64(o.K)/float64(o.N)
	if p1 >= p2 {
		return false
	}
	p := float64(s.K+o.K) / float64(s.N+o.N)
	se := math.Sqrt(p * (1 - p) * (1/float64(s.N) + 1/float64(o.N)))
	return se > 0 && (p2-p1)/se >= z
}

// trialsToDecide estimates how many trials, at the rate seen, would put
// the 95 % interval clear of pct, above or below (0 when the rate is pct
// itself, or no number up to a million would).
func (s Sample) trialsToDecide(pct float64) int {
	if s.N == 0 {
		return 0
	}
	p := float64(s.K) / float64(s.N)
	decided := func(n int) bool {
		x := Sample{K: int(math.Round(p * float64(n))), N: n}
		return x.Above(pct) || x.Below(pct)
	}
	lo, hi := s.N, s.N
	for !decided(hi) {
		if hi >= 1_000_000 {
			return 0
		}
		lo, hi = hi, hi*2
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if decided(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return (hi + 9) / 10 * 10 // rounded up to tens
}

// rttSummary is a hop's or target's RTTs: the best, and the median with
// the 95 % interval of order statistics around it (distribution-free: no
// assumption that RTTs are normal, which they are not).
type rttSummary struct {
	N                    int
	Best, Median, Lo, Hi time.Duration
	P95                  time.Duration
}

func summarizeRTTs(rtts []time.Duration) rttSummary {
	n := len(rtts)
	if n == 0 {
		return rttSummary{}
	}
	d := slices.Clone(rtts)
	slices.Sort(d)
	m := quantile.Rank(n, 50)
	s := rttSummary{N: n, Best: d[0], Median: d[m], P95: quantile.Of(d, 95)}
	// Ranks m -+ z*sqrt(n)/2 bound the median with ~95 % confidence.
	half := int(math.Ceil(z95 * math.Sqrt(float64(n)) / 2))
	s.Lo, s.Hi = d[max(0, m-half)], d[min(n-1, m+half)]
	return s
}

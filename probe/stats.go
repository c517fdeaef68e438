package probe

import (
	"math"
	"slices"
	"time"

	"netdx/internal/quantile"
)

// RTTStats summarises the round-trip times of a target's replies, in
// milliseconds.
type RTTStats struct {
	Min  float64 `json:"min"`
	Avg  float64 `json:"avg"`
	Max  float64 `json:"max"`
	Mdev float64 `json:"mdev"` // population standard deviation, as iputils' mdev
	P50  float64 `json:"p50"`  // percentiles by nearest rank
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	// Jitter is the mean absolute difference between the RTTs of
	// consecutive answered probes, in sequence order.
	Jitter float64 `json:"jitter"`
}

// Summarise computes the statistics of rtts, given in sequence order. It
// returns nil for no replies.
func Summarise(rtts []time.Duration) *RTTStats {
	if len(rtts) == 0 {
		return nil
	}
	ms := make([]float64, len(rtts))
	for i, r := range rtts {
		ms[i] = float64(r) / float64(time.Millisecond)
	}
	n := float64(len(ms))
	var sum, jit float64
	for i, v := range ms {
		sum += v
		if i > 0 {
			jit += math.Abs(v - ms[i-1])
		}
	}
	avg := sum / n
	var sq float64
	for _, v := range ms {
		sq += (v - avg) * (v - avg)
	}
	s := &RTTStats{Avg: avg, Mdev: math.Sqrt(sq / n)}
	if len(ms) > 1 {
		s.Jitter = jit / float64(len(ms)-1)
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.P50, s.P95, s.P99 = quantile.Of(sorted, 50), quantile.Of(sorted, 95), quantile.Of(sorted, 99)
	return s
}

// Round returns s with every figure rounded to the microsecond, the
// precision the kernel's timestamps give RTTs some meaning at.
func (s *RTTStats) Round() *RTTStats {
	if s == nil {
		return nil
	}
	r := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	return &RTTStats{r(s.Min), r(s.Avg), r(s.Max), r(s.Mdev), r(s.P50), r(s.P95), r(s.P99), r(s.Jitter)}
}

package diagnose

import "time"

// Config holds the thresholds of the rules. The zero value is the default
// for each.
type Config struct {
	// MaxRTT makes latency a warning when the target's median RTT is
	// above it with 95 % confidence; unset, jumps are reported as
	// information (a jump may be distance, not congestion).
	MaxRTT time.Duration
	// MaxLossPct is the loss to the target (in %) above which loss on the
	// path is a warning, when the 95 % interval of the loss is above it
	// (default 2: the smallest loss a 300-probe sample tells from none —
	// with 0 or 1 of 300 lost the interval ends below 2 %).
	MaxLossPct float64
	// Jump is the smallest latency step between two hops reported (default
	// 10 ms).
	Jump time.Duration
	// MaxRetransPct is the TCP retransmit ratio (in %) above which
	// retransmits are a warning (default 2).
	MaxRetransPct float64
	// MinSegments is how many TCP segments an interval must carry before
	// its retransmit ratio means anything (default 100).
	MinSegments int64
}

// DefaultMaxLossPct is MaxLossPct's default.
const DefaultMaxLossPct = 2

func (c Config) maxLossPct() float64 {
	if c.MaxLossPct > 0 {
		return c.MaxLossPct
	}
	return DefaultMaxLossPct
}

func (c Config) jump() time.Duration {
	if c.Jump > 0 {
		return c.Jump
	}
	return 10 * time.Millisecond
}

func (c Config) maxRetransPct() float64 {
	if c.MaxRetransPct > 0 {
		return c.MaxRetransPct
	}
	return 2
}

func (c Config) minSegments() int64 {
	if c.MinSegments > 0 {
		return c.MinSegments
	}
	return 100
}

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
	// MinDrops is how many packets an interface must drop within a
	// sampled interval before its drop share means anything (default 10):
	// a packet lost while a link flaps, or a frame nobody handles, is no
	// trend.
	MinDrops uint64
	// AllowedCapture names processes whose promiscuous capture is expected
	// (a DHCP client): they explain an interface's promiscuity counter but
	// are not sniffers.
	AllowedCapture []string
	// FlapChanges is how many carrier changes within a sampled interval
	// make a link flapping (default 2: it went down and came back).
	FlapChanges int
	// TimeWaitPileup is the TIME_WAIT count from which it is a pile-up
	// (default 1000); fewer also are when they hold half the local ports
	// to one endpoint.
	TimeWaitPileup int
}

// bootFlapChanges is how many carrier changes since an interface appeared
// are worth a word (information only) when no interval was sampled.
func (c Config) bootFlapChanges() int { return 10 * c.flapChanges() }

func (c Config) minDrops() uint64 {
	if c.MinDrops > 0 {
		return c.MinDrops
	}
	return 10
}

func (c Config) flapChanges() int {
	if c.FlapChanges > 0 {
		return c.FlapChanges
	}
	return 2
}

func (c Config) timeWaitPileup() int {
	if c.TimeWaitPileup > 0 {
		return c.TimeWaitPileup
	}
	return 1000
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
	switch {
	case c.MaxRetransPct == ExplicitZero:
		return 0 // any retransmit
	case c.MaxRetransPct > 0:
		return c.MaxRetransPct
	}
	return 2
}

func (c Config) minSegments() int64 {
	switch {
	case c.MinSegments == ExplicitZero:
		return 0
	case c.MinSegments > 0:
		return c.MinSegments
	}
	return 100
}

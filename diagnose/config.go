package diagnose

import (
	"math"
	"time"
)

// Config holds the thresholds of the rules. Start from DefaultConfig: the
// rules read every field as it is (Validate refuses what they cannot use).
type Config struct {
	// MaxRTT makes latency a warning when the target's median RTT is
	// above it with 95 % confidence; NoMaxRTT: latency jumps are reported
	// as information (a jump may be distance, not congestion).
	MaxRTT time.Duration
	// MaxLossPct is the loss to the target (in %) above which loss on the
	// path is a warning, when the 95 % interval of the loss is above it.
	MaxLossPct float64
	// Jump is the smallest latency step between two hops reported.
	Jump time.Duration
	// MaxRetransPct is the TCP retransmit ratio (in %) above which
	// retransmits are a warning (0: any retransmit).
	MaxRetransPct float64
	// MinSegments is how many TCP segments an interval must carry before
	// its retransmit ratio means anything.
	MinSegments int64
	// MinDrops is how many packets an interface must drop within a
	// sampled interval before its drop share means anything: a packet
	// lost while a link flaps, or a frame nobody handles, is no trend.
	MinDrops uint64
	// AllowedCapture names processes whose promiscuous capture is expected
	// (a DHCP client): they explain an interface's promiscuity counter but
	// are not sniffers.
	AllowedCapture []string
	// FlapChanges is how many carrier changes within a sampled interval
	// make a link flapping.
	FlapChanges int
	// TimeWaitPileup is the TIME_WAIT count from which it is a pile-up;
	// fewer also are when they hold half the local ports to one endpoint.
	TimeWaitPileup int
}

// NoMaxRTT, as Config.MaxRTT, judges no latency: no RTT is above it.
const NoMaxRTT = time.Duration(math.MaxInt64)

// DefaultConfig is the rules' thresholds:
//   - no RTT threshold: a latency jump may be distance, not congestion;
//   - loss above 2 %: the smallest a 300-probe sample tells from none
//     (with 0 or 1 of 300 lost, the 95 % interval ends below 2 %);
//   - latency steps of 10 ms and more;
//   - TCP retransmits above 2 % of at least 100 segments;
//   - 10 drops within an interval, 2 carrier changes (down and up again);
//   - 1000 sockets in TIME_WAIT.
func DefaultConfig() Config {
	return Config{
		MaxRTT:         NoMaxRTT,
		MaxLossPct:     2,
		Jump:           10 * time.Millisecond,
		MaxRetransPct:  2,
		MinSegments:    100,
		MinDrops:       10,
		FlapChanges:    2,
		TimeWaitPileup: 1000,
	}
}

// bootFlapChanges is how many carrier changes since an interface appeared
// are worth a word (information only) when no interval was sampled.
func (c Config) bootFlapChanges() int { return 10 * c.FlapChanges }

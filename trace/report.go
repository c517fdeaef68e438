package trace

import (
	"encoding/json"
	"math"
	"net/netip"
	"time"
)

// Report is mtr-style statistics over several rounds of the same trace,
// read the way the design's path rules ask (see Summarize).
type Report struct {
	Target    string     `json:"target"`
	Addr      netip.Addr `json:"addr"`
	Protocol  Protocol   `json:"protocol"`
	Rounds    int        `json:"rounds"`
	Reached   bool       `json:"reached"`
	EndReason string     `json:"end_reason"`
	// TargetTTL is the hop of the target: the smallest TTL at which it
	// answered in any round (0 if it never did). No hop follows it.
	TargetTTL int         `json:"target_ttl,omitempty"`
	Hops      []ReportHop `json:"hops"`
	// Invalid and InvalidByCause add up the rounds' (see Result).
	Invalid        int            `json:"invalid,omitempty"`
	InvalidByCause map[string]int `json:"invalid_by_cause,omitempty"`
	// Oddities adds up the rounds' (see Result).
	Oddities map[string]int `json:"oddities,omitempty"`
}

// ReportHop is one TTL over all rounds.
type ReportHop struct {
	TTL int
	// Addrs are the addresses that answered, most frequent first.
	Addrs []netip.Addr
	// Sent counts probes (for the target: one per probe position and
	// round, whatever TTLs it was probed at); Received answers;
	// RateLimited the probes a target (or router) that answered others of
	// the same round left unanswered.
	Sent, Received, RateLimited int
	// ForwardLost counts the lost probes after which every higher-TTL
	// probe of the same round was lost too: loss on the way forward, from
	// this hop on. A lost probe with a later answer in its round is only
	// this hop not answering (rate limiting, ICMP deprioritised).
	ForwardLost int
	// Unverified counts the answers that were unverified (Probe.Unverified):
	// when it is Received, the hop, and its Annotation, rest on them alone.
	Unverified int
	// Annotation is the last unreachable mark seen ("!H"), if any.
	Annotation                    string
	Last, Avg, Best, Worst, StDev time.Duration
	// RTTs are the answered probes' round-trip times, in round order.
	RTTs []time.Duration
}

// Lost counts the probes that got no answer, rate-limited ones excluded.
func (h ReportHop) Lost() int { return h.Sent - h.Received - h.RateLimited }

// LossPct is the share of probes lost, rate-limited ones not counted as
// lost.
func (h ReportHop) LossPct() float64 { return pct(h.Lost(), h.Sent) }

// FwdLossPct is the share of probes lost forward (see ForwardLost).
func (h ReportHop) FwdLossPct() float64 { return pct(h.ForwardLost, h.Sent) }

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

// MarshalJSON writes times in milliseconds.
func (h ReportHop) MarshalJSON() ([]byte, error) {
	type rtt struct {
		Last  float64 `json:"last"`
		Avg   float64 `json:"avg"`
		Best  float64 `json:"best"`
		Worst float64 `json:"worst"`
		StDev float64 `json:"stdev"`
	}
	v := struct {
		TTL         int          `json:"ttl"`
		Addr        string       `json:"addr,omitempty"`
		Addrs       []netip.Addr `json:"addrs,omitempty"`
		Sent        int          `json:"sent"`
		Received    int          `json:"received"`
		RateLimited int          `json:"rate_limited"`
		Lost        int          `json:"lost"`
		ForwardLost int          `json:"forward_lost"`
		LossPct     float64      `json:"loss_pct"`
		FwdLossPct  float64      `json:"fwd_loss_pct"`
		Unverified  int          `json:"unverified,omitempty"`
		Annotation  string       `json:"annotation,omitempty"`
		RTT         *rtt         `json:"rtt_ms,omitempty"`
	}{TTL: h.TTL, Sent: h.Sent, Received: h.Received, RateLimited: h.RateLimited, Lost: h.Lost(),
		ForwardLost: h.ForwardLost, LossPct: h.LossPct(), FwdLossPct: h.FwdLossPct(), Unverified: h.Unverified, Annotation: h.Annotation}
	if len(h.Addrs) > 0 {
		v.Addr = h.Addrs[0].String()
		if len(h.Addrs) > 1 {
			v.Addrs = h.Addrs
		}
	}
	if h.Received > 0 {
		v.RTT = &rtt{Millis(h.Last), Millis(h.Avg), Millis(h.Best), Millis(h.Worst), Millis(h.StDev)}
	}
	return json.Marshal(v)
}

// stats returns mean, min, max and the population standard deviation.
func stats(d []time.Duration) (avg, best, worst, sd time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0, 0
	}
	best, worst = d[0], d[0]
	var sum float64
	for _, x := range d {
		best, worst = min(best, x), max(worst, x)
		sum += float64(x)
	}
	mean := sum / float64(len(d))
	var v float64
	for _, x := range d {
		v += (float64(x) - mean) * (float64(x) - mean)
	}
	return time.Duration(mean), best, worst, time.Duration(math.Sqrt(v / float64(len(d))))
}

package trace

import (
	"context"
	"encoding/json"
	"math"
	"net/netip"
	"sort"
	"time"
)

// Report is mtr-style statistics over several rounds of the same trace.
type Report struct {
	Target    string      `json:"target"`
	Addr      netip.Addr  `json:"addr"`
	Protocol  string      `json:"protocol"`
	Rounds    int         `json:"rounds"`
	Reached   bool        `json:"reached"`
	EndReason string      `json:"end_reason"`
	Hops      []ReportHop `json:"hops"`
}

// ReportHop is one TTL over all rounds.
type ReportHop struct {
	TTL int
	// Addrs are the addresses that answered, most frequent first.
	Addrs []netip.Addr
	// Sent counts probes; Received answers; RateLimited the probes
	// a target (or router) that answers others left unanswered.
	Sent, Received, RateLimited int
	// Annotation is the last unreachable mark seen ("!H"), if any.
	Annotation                    string
	Last, Avg, Best, Worst, StDev time.Duration
}

// LossPct is the share of probes lost, rate-limited ones not counted as
// lost.
func (h ReportHop) LossPct() float64 {
	if h.Sent == 0 {
		return 0
	}
	lost := h.Sent - h.Received - h.RateLimited
	return math.Round(float64(lost)*1000/float64(h.Sent)) / 10
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
		LossPct     float64      `json:"loss_pct"`
		Annotation  string       `json:"annotation,omitempty"`
		RTT         *rtt         `json:"rtt_ms,omitempty"`
	}{TTL: h.TTL, Sent: h.Sent, Received: h.Received, RateLimited: h.RateLimited, LossPct: h.LossPct(), Annotation: h.Annotation}
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

// Summarize folds the rounds of a report into per-hop statistics. Every
// round's hops count; a TTL missing from a round (past that round's end)
// adds nothing.
func Summarize(rounds []Result) Report {
	var r Report
	r.Rounds = len(rounds)
	type acc struct {
		h     ReportHop
		count map[netip.Addr]int
		rtts  []time.Duration
	}
	byTTL := map[int]*acc{}
	maxTTL := 0
	for _, res := range rounds {
		r.Target, r.Addr, r.Protocol = res.Target, res.Addr, res.Protocol
		r.Reached = r.Reached || res.Reached
		r.EndReason = res.EndReason
		if res.Reached {
			r.EndReason = EndReached
		}
		for _, h := range res.Hops {
			a := byTTL[h.TTL]
			if a == nil {
				a = &acc{h: ReportHop{TTL: h.TTL}, count: map[netip.Addr]int{}}
				byTTL[h.TTL] = a
			}
			maxTTL = max(maxTTL, h.TTL)
			for _, p := range h.Probes {
				a.h.Sent++
				switch {
				case p.Answered():
					a.h.Received++
					a.count[p.Addr]++
					a.rtts = append(a.rtts, p.RTT)
					a.h.Last = p.RTT
					if p.Annotation != "" {
						a.h.Annotation = p.Annotation
					}
				case p.RateLimited:
					a.h.RateLimited++
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
		a.h.Avg, a.h.Best, a.h.Worst, a.h.StDev = stats(a.rtts)
		r.Hops = append(r.Hops, a.h)
	}
	return r
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

// RunReport runs rounds traces to target on the same sockets (so the
// flows stay the same), starting one every interval, and summarizes them.
// Unless cfg says otherwise a round sends one probe per hop and retries
// nothing, like mtr; once a round has reached the target, later rounds
// probe no TTL past it. OnHop is called for the hops of every round.
func RunReport(ctx context.Context, target netip.Addr, cfg Config, rounds int, interval time.Duration) (Report, error) {
	if cfg.Queries == 0 {
		cfg.Queries = 1
	}
	if cfg.Retries == 0 {
		cfg.Retries = -1
	}
	cfg, err := cfg.withDefaults(target)
	if err != nil {
		return Report{}, err
	}
	tr, cfg, err := open(ctx, cfg)
	if err != nil {
		return Report{}, err
	}
	if cfg.OnReady != nil {
		cfg.OnReady()
	}
	sess := newSession(tr)
	defer sess.close()
	var all []Result
	for i := 0; i < rounds; i++ {
		start := time.Now()
		res, err := runOn(ctx, cfg, sess)
		if err != nil {
			if ctx.Err() != nil && len(all) > 0 {
				break
			}
			return Summarize(all), err
		}
		all = append(all, res)
		if res.Reached && len(res.Hops) > 0 {
			// Later rounds stop at the target: nothing is gained by
			// spending its ICMP rate limit on TTLs past it.
			cfg.MaxTTL = min(cfg.MaxTTL, res.Hops[len(res.Hops)-1].TTL)
		}
		if i == rounds-1 {
			break
		}
		select {
		case <-time.After(time.Until(start.Add(interval))):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	return Summarize(all), nil
}

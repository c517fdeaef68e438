package diagnose

import (
	"encoding/json"
	"net/netip"
	"time"

	"netdx/probe"
	"netdx/trace"
)

// PathEvidence is what a path check saw of one target: report rounds of
// traces (the hops) and an echo stream run alongside (the loss and RTT to
// the target, from enough probes to decide).
type PathEvidence struct {
	Target   string         `json:"target"`
	Addr     netip.Addr     `json:"addr"`
	Protocol trace.Protocol `json:"protocol"`
	// Rounds are the trace rounds as they completed.
	Rounds []trace.Result `json:"rounds"`
	// Echo is the echo stream; nil when none ran.
	Echo *Echo `json:"echo,omitempty"`
	// MTU is what DF requests of several sizes saw; nil when none ran.
	MTU *MTUEvidence `json:"mtu,omitempty"`
}

// Echo is an echo stream to the target: ICMP echo requests at a steady
// interval on ping's socket machinery.
type Echo struct {
	Sent     int `json:"sent"`
	Received int `json:"received"`
	// RTTs are the received replies' round-trip times (kernel
	// timestamps), in the order they arrived.
	RTTs []time.Duration `json:"-"`
	// Errors are the ICMP errors the stream's requests drew.
	Errors   []probe.ErrorCount `json:"icmp_errors,omitempty"`
	Interval time.Duration      `json:"-"`
}

// Lost is the echo requests that got no reply in time.
func (e *Echo) Lost() int { return e.Sent - e.Received }

type echoJSON struct {
	Sent       int                `json:"sent"`
	Received   int                `json:"received"`
	RTTs       []float64          `json:"rtts_ms"`
	Errors     []probe.ErrorCount `json:"icmp_errors,omitempty"`
	IntervalMS float64            `json:"interval_ms"`
}

// MarshalJSON writes times in milliseconds.
func (e Echo) MarshalJSON() ([]byte, error) {
	j := echoJSON{Sent: e.Sent, Received: e.Received, Errors: e.Errors, IntervalMS: trace.Millis(e.Interval), RTTs: []float64{}}
	for _, d := range e.RTTs {
		j.RTTs = append(j.RTTs, trace.Millis(d))
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote (recorded evidence).
func (e *Echo) UnmarshalJSON(b []byte) error {
	var j echoJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Echo{Sent: j.Sent, Received: j.Received, Errors: j.Errors, Interval: ms(j.IntervalMS)}
	for _, v := range j.RTTs {
		e.RTTs = append(e.RTTs, ms(v))
	}
	return nil
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

package trace_test

import (
	"fmt"
	"net/netip"
	"time"

	"netdx/trace"
)

// Two rounds of a report: hop 2 lost one probe of two.
func ExampleSummarize() {
	hop := func(ttl int, addr string, ms int) trace.Hop {
		p := trace.Probe{Timeout: true}
		if addr != "" {
			p = trace.Probe{Addr: netip.MustParseAddr(addr), RTT: time.Duration(ms) * time.Millisecond}
		}
		return trace.Hop{TTL: ttl, Probes: []trace.Probe{p}}
	}
	r := trace.Summarize([]trace.Result{
		{Hops: []trace.Hop{hop(1, "198.18.1.2", 1), hop(2, "198.18.2.2", 80)}},
		{Hops: []trace.Hop{hop(1, "198.18.1.2", 3), hop(2, "", 0)}},
	})
	for _, h := range r.Hops {
		fmt.Printf("%d %s loss %.0f%% avg %v\n", h.TTL, h.Addrs[0], h.LossPct(), h.Avg)
	}
	// Output:
	// 1 198.18.1.2 loss 0% avg 2ms
	// 2 198.18.2.2 loss 50% avg 80ms
}

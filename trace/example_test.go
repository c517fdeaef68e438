package trace_test

import (
	"fmt"
	"net/netip"
	"time"

	"netdx/trace"
)

// An ICMP Destination Unreachable, host unreachable (type 3 code 1),
// quoting a UDP probe, as a router sends it.
func ExampleAnnotation() {
	msg := []byte{3, 1, 0, 0, 0, 0, 0, 0,
		0x45, 0, 0, 60, 0, 0, 0x40, 0, 1, 17, 0, 0, 198, 18, 1, 1, 198, 18, 3, 2,
		0x8c, 0x15, 0x82, 0x9a, 0, 40, 0x12, 0x34}
	m, err := trace.ParseMessage(false, msg)
	if err != nil {
		panic(err)
	}
	q, _ := trace.ParseQuote(m.Quote)
	sport, dport := q.Ports()
	fmt.Printf("%s for a probe %s:%d > %s:%d\n", trace.Annotation(&m, false), q.Src, sport, q.Dst, dport)
	// Output: !H for a probe 198.18.1.1:35861 > 198.18.3.2:33434
}

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

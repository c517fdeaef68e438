package probe_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"netdx/probe"
)

// Ping three probes to two targets on one socket per family; needs
// CAP_NET_RAW or net.ipv4.ping_group_range (and an interval of at least
// 200 ms on a datagram socket).
func ExamplePing() {
	targets := []probe.Target{
		{Name: "gw", Addr: netip.MustParseAddr("198.18.1.2")},
		{Name: "gw6", Addr: netip.MustParseAddr("2001:db8:1::2")},
	}
	cfg := probe.DefaultConfig() // iputils ping's defaults
	cfg.Count, cfg.Interval = 3, 200*time.Millisecond
	results, err := probe.Ping(context.Background(), cfg, targets)
	if err != nil {
		fmt.Println(err) // errors.Is(err, probe.ErrPermission) names the fixes
		return
	}
	for _, r := range results {
		fmt.Printf("%s: %d/%d, %.0f%% loss\n", r.Target, r.Received, r.Sent, r.LossPct)
	}
}

// Summarise gives iputils' min/avg/max/mdev and more from RTTs in sequence
// order.
func ExampleSummarise() {
	ms := time.Millisecond
	s := probe.Summarise([]time.Duration{10 * ms, 20 * ms, 30 * ms, 40 * ms}).Round()
	fmt.Printf("min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", s.Min, s.Avg, s.Max, s.Mdev)
	fmt.Printf("p50 %.0f p95 %.0f jitter %.0f\n", s.P50, s.P95, s.Jitter)
	// Output:
	// min/avg/max/mdev = 10.000/25.000/40.000/11.180 ms
	// p50 20 p95 40 jitter 10
}

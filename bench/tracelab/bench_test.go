// Package tracelab holds the lab side of bench/trace-vs-traceroute.sh:
// netdx trace, traceroute and mtr timed on the same namespace path.
package tracelab

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// TestBenchTraceVsTraceroute builds src - r1 - r2 - r3 - dst with an
// 80 ms link between r1 and r2, Linux's default ICMP rate limit on the
// target (routers answer every probe), and times each tool with UDP
// probes, 3 a hop: with the target's limiter full, right after a burst
// drained it, and with a silent hop. It runs only from the script
// (NETDX_BENCH_NETDX names the netdx binary).
func TestBenchTraceVsTraceroute(t *testing.T) {
	bin := os.Getenv("NETDX_BENCH_NETDX")
	if bin == "" {
		t.Skip("run bench/trace-vs-traceroute.sh")
	}
	rounds := 3
	fmt.Sscan(os.Getenv("NETDX_BENCH_ROUNDS"), &rounds)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3, Delays: []time.Duration{0, 40 * time.Millisecond}})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	target := p.Target4().String()
	p.Src.MustRun("ping", "-n", "-c", "2", "-W", "2", target)

	tools := []struct {
		name string
		argv []string
	}{
		{"netdx trace", []string{bin, "trace", "-n", "-P", "udp", "-q", "3", target}},
		{"traceroute", []string{"traceroute", "-n", "-q", "3", target}},
		{"mtr -u -r -c 1", []string{"mtr", "-u", "-n", "-r", "-c", "1", target}},
	}
	refill := func() { time.Sleep(7 * time.Second) } // 6 tokens at 1/s
	drain := func() {
		// Another trace, run just before: with the bucket full it takes one
		// RTT, and its probes past the target's TTL empty the bucket.
		p.Src.MustRun("traceroute", "-n", "-q", "3", target)
	}
	scenarios := []struct {
		name  string
		setup func()
		want  string
	}{
		{"limiter full", refill, "about one path RTT (~0.09 s)"},
		{"limiter drained", func() { refill(); drain() }, "<= 1 s"},
		{"one silent hop", refill, "<= 0.5 s"},
	}
	fmt.Printf("path: 4 hops, one 80 ms link, UDP probes, 3 a hop; target %s keeps Linux's ICMP rate limit\n", target)
	fmt.Printf("%-16s %-16s %s\n", "scenario", "tool", "seconds (each round)")
	for si, sc := range scenarios {
		if si == 2 {
			p.Routers[1].SilentTTL()
		}
		times := map[string][]float64{}
		for range rounds {
			for _, tool := range tools {
				sc.setup()
				start := time.Now()
				out, err := p.Src.Run(context.Background(), tool.argv[0], tool.argv[1:]...)
				took := time.Since(start).Seconds()
				if err != nil && tool.name != "netdx trace" {
					t.Errorf("%s: %v\n%s", tool.name, err, out)
				}
				if !strings.Contains(out, target) {
					t.Errorf("%s did not reach %s:\n%s", tool.name, target, out)
				}
				if os.Getenv("NETDX_BENCH_VERBOSE") != "" {
					fmt.Print(out)
				}
				times[tool.name] = append(times[tool.name], took)
			}
		}
		med := map[string]float64{}
		for _, tool := range tools {
			ts := times[tool.name]
			med[tool.name] = median(ts)
			fmt.Printf("%-16s %-16s median %.3f  %s\n", sc.name, tool.name, med[tool.name], fmtAll(ts))
		}
		n := med["netdx trace"]
		fmt.Printf("%-16s ratio            traceroute/netdx %.1fx, mtr/netdx %.1fx (target %s)\n\n", sc.name,
			med["traceroute"]/n, med["mtr -u -r -c 1"]/n, sc.want)
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func fmtAll(v []float64) string {
	var b []string
	for _, x := range v {
		b = append(b, fmt.Sprintf("%.3f", x))
	}
	return "[" + strings.Join(b, " ") + "]"
}

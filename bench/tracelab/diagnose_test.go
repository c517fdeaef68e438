package tracelab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// TestBenchDiagnoseVsMTR times one target's path verdict: netdx diagnose
// (trace rounds and an echo stream for 3 s) against mtr's report at its
// classic -c 10 (10 s) and at netdx's sample size, 100 rounds 30 ms apart,
// on src - r1 - r2 - r3 - dst with an 80 ms link and 10 % loss (each way)
// on the link after r2. It prints the times, the ratios, and what each
// says (netdx: its verdict; mtr: Loss% per hop, left to the reader). It
// runs only from bench/diagnose-vs-mtr.sh.
func TestBenchDiagnoseVsMTR(t *testing.T) {
	bin := os.Getenv("NETDX_BENCH_NETDX")
	if bin == "" || os.Getenv("NETDX_BENCH_DIAGNOSE") == "" {
		t.Skip("run bench/diagnose-vs-mtr.sh")
	}
	rounds := 3
	fmt.Sscan(os.Getenv("NETDX_BENCH_ROUNDS"), &rounds)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3, Delays: []time.Duration{0, 40 * time.Millisecond}, NoICMPRateLimit: true})
	p.Routers[1].Loss(netlab.Forward, netip.Prefix{}, 10)
	target := p.Target4().String()
	p.Src.MustRun("ping", "-n", "-c", "2", "-W", "2", target)

	tools := []struct {
		name string
		argv []string
	}{
		{"netdx diagnose", []string{bin, "diagnose", "--no-host", "--json", target}},
		{"mtr -c 10", []string{"mtr", "-n", "-r", "-c", "10", target}},
		{"mtr -c 100 -i 0.03", []string{"mtr", "-n", "-r", "-c", "100", "-i", "0.03", target}},
	}
	fmt.Printf("path: 4 hops, 80 ms added at hop 2, 10%% loss each way from hop 3 on (19%% round trip); target %s\n", target)
	times := map[string][]float64{}
	for range rounds {
		for _, tool := range tools {
			start := time.Now()
			out, err := p.Src.Run(context.Background(), tool.argv[0], tool.argv[1:]...)
			took := time.Since(start).Seconds()
			times[tool.name] = append(times[tool.name], took)
			if strings.HasPrefix(tool.name, "netdx") {
				var d struct {
					Status   string `json:"status"`
					Findings []struct {
						Kind, Severity, Summary string
						Hop                     int
					} `json:"findings"`
				}
				if jerr := json.Unmarshal([]byte(out), &d); jerr != nil {
					t.Fatalf("%s: %v %v\n%s", tool.name, err, jerr, out)
				}
				for _, f := range d.Findings {
					if f.Kind == "path_loss" {
						fmt.Printf("  %-20s %.2f s: %s %s hop %d: %s\n", tool.name, took, f.Severity, f.Kind, f.Hop, f.Summary)
					}
				}
				continue
			}
			var loss []string
			for _, m := range regexp.MustCompile(`\|-- (\S+)\s+([\d.]+)%`).FindAllStringSubmatch(out, -1) {
				loss = append(loss, m[1]+" "+m[2]+"%")
			}
			fmt.Printf("  %-20s %.2f s: Loss%% per hop %s\n", tool.name, took, strings.Join(loss, ", "))
		}
	}
	n := median(times["netdx diagnose"])
	fmt.Printf("%-20s median %.2f s %s\n", "netdx diagnose", n, fmtAll(times["netdx diagnose"]))
	for _, tool := range tools[1:] {
		m := median(times[tool.name])
		fmt.Printf("%-20s median %.2f s %s: %.1fx netdx's time\n", tool.name, m, fmtAll(times[tool.name]), m/n)
	}
}

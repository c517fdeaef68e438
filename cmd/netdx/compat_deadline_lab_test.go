package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// pingCounts is what iputils' statistics line says of a run: requests
// transmitted, replies received, errors ("" without any).
func pingCounts(out string) []string {
	m := regexp.MustCompile(`(?m)^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) errors)?,`).FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	return m[1:]
}

// TestIntegrationCompatPingDeadline runs iputils ping and netdx ping with
// -w and its companions -i and -c, to a clean and to a silent target on
// the same path: both send as many requests and count as many replies.
// (netdx sent one request at the deadline and counted it lost: -w 1 -i
// 0.2 said 6 transmitted, 5 received; and with -c it stopped at the count
// where iputils waits for that many answers until the deadline.)
func TestIntegrationCompatPingDeadline(t *testing.T) {
	needTools(t, "ping")
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 5 * time.Millisecond}})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	dst, silent := p.Target4().String(), "198.18.2.98"
	p.Routers[0].Fault(netlab.Forward, "ip daddr "+silent+" drop")
	for _, tc := range []struct {
		args    []string
		targets []string
	}{
		{[]string{"-w", "1", "-i", "0.2"}, []string{dst, silent}},
		{[]string{"-w", "1", "-i", "0.25"}, []string{dst, silent}}, // the fifth request would be due at the deadline
		{[]string{"-w", "1", "-i", "0.3"}, []string{dst, silent}},
		{[]string{"-w", "2"}, []string{dst, silent}},
		{[]string{"-c", "3", "-w", "1", "-i", "0.2"}, []string{dst, silent}},
		{[]string{"-c", "10", "-w", "1", "-i", "0.2"}, []string{dst, silent}},
		{[]string{"-c", "2", "-w", "3"}, []string{dst, silent}},
		{[]string{"-c", "3", "-w", "0", "-i", "0.2"}, []string{dst}}, // -w 0: no deadline, -c counts requests
	} {
		for _, target := range tc.targets {
			a := append(append([]string{"-n"}, tc.args...), target)
			t.Run(strings.Join(a, " "), func(t *testing.T) {
				// Side by side: the runs wait seconds and use no CPU. (Not
				// every case at once: iputils starts its deadline before
				// its setup, and on a loaded machine sent one less.)
				iputils := p.Src.Command(context.Background(), "ping", a...)
				var iout strings.Builder
				iputils.Stdout = &iout
				if err := iputils.Start(); err != nil {
					t.Fatal(err)
				}
				_, nout, nerr := netdxIn(t, p.Src, nil, append([]string{"ping"}, a...)...)
				if err := iputils.Wait(); err != nil && iputils.ProcessState.ExitCode() < 0 {
					t.Fatal(err)
				}
				if ic, nc := pingCounts(iout.String()), pingCounts(nout); ic == nil || nc == nil || ic[0] != nc[0] || ic[1] != nc[1] || ic[2] != nc[2] {
					t.Errorf("transmitted, received, errors: iputils %q, netdx %q\niputils:\n%snetdx:\n%s%s", ic, nc, iout.String(), nout, nerr)
				}
			})
		}
	}
}

package trace

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
	"netdx/probe"
)

// TestIntegrationTraceForged traces with ICMP probes past an on-path
// forger on r1, 10 ms closer than the hops beyond it, that answers every
// probe first with errors quoting 8 bytes from made-up senders and with
// echo replies that fail a check (bad checksum, altered payload, another
// source): the trace shows the lab's hops, and nothing of the forger's. On
// a raw socket and on an unprivileged datagram one (where the kernel
// queues the forged errors with what they quote).
func TestIntegrationTraceForged(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 3, Delays: []time.Duration{0, 5 * time.Millisecond}})
	fastRouters(p, true)
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
	for _, dst := range []string{p.Target4().String(), p.Target6().String()} {
		p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", dst) // neighbours
	}
	f := p.Routers[0].StartForger(netlab.ForgerConfig{Interface: p.Links[0].IfB, Copies: 4,
		Kinds: netlab.ForgeAll &^ netlab.ForgeFullError})
	for _, mode := range []probe.Mode{probe.ModeRaw, probe.ModeDatagram} {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/v6=%v", mode, v6), func(t *testing.T) {
				target, hop := p.Target4(), p.Hop4
				if v6 {
					target, hop = p.Target6(), p.Hop6
				}
				before, _, _ := f.Stats()
				res := traceIn(t, p.Src, target, withConfig(func(c *Config) { c.Protocol, c.Port, c.Mode, c.Wait = ICMP, ICMP.DefaultPort(), mode, 2*time.Second }))
				var want []string
				for k := 1; k <= 4; k++ {
					a := hop(k).String()
					want = append(want, fmt.Sprintf("%d:%s,%s,%s", k, a, a, a))
				}
				got := hopAddrs(res)
				if got != strings.Join(want, " ") || !res.Reached {
					t.Errorf("hops\n got %s\nwant %s (reached %v)", got, strings.Join(want, " "), res.Reached)
				}
				for _, h := range res.Hops {
					for _, pr := range h.Probes {
						if pr.Answered() && pr.RTT < 10*time.Millisecond && h.TTL > 1 {
							t.Errorf("hop %d answered in %v: faster than the path", h.TTL, pr.RTT)
						}
					}
				}
				// The forger counts what it has read: on a busy machine it
				// may still be reading when the trace ends.
				testkit.Poll(t, "the forger to see half the probes", testkit.Guard, time.Millisecond, func() (int64, bool) {
					seen, _, _ := f.Stats()
					return seen - before, seen-before >= int64(res.Sent)/2
				})
			})
		}
	}
}

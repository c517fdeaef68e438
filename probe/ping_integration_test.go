package probe

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// pingIn runs Ping with sockets opened inside node n.
func pingIn(t *testing.T, n *netlab.Node, cfg Config, targets []Target) []Result {
	t.Helper()
	listen := func(ctx context.Context, cc ConnConfig) (conn, error) {
		var c *Conn
		err := n.Do(func() (err error) {
			c, err = Listen(ctx, cc)
			return err
		})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	res, err := run(context.Background(), cfg, targets, listen)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIntegrationPingDualStack(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 5 * time.Millisecond}})
	targets := []Target{{"v4", p.Target4()}, {"v6", p.Target6()}}
	// Warm up neighbour caches so the first probe is not an outlier.
	cfg := DefaultConfig()
	cfg.Count, cfg.Interval = 1, 10*time.Millisecond
	pingIn(t, p.Src, cfg, targets)

	before := runtime.NumGoroutine()
	cfg.Count, cfg.Interval = 10, 20*time.Millisecond
	res := pingIn(t, p.Src, cfg, targets)
	for _, r := range res {
		if r.Sent != 10 || r.Received != 10 || r.Invalid != 0 || r.Duplicates != 0 || r.LossPct != 0 {
			t.Errorf("%s: %+v, want 10 sent and received", r.Target, r)
		}
		if r.RTT == nil || r.RTT.Min < 10 || r.RTT.Max > 60 {
			t.Errorf("%s: RTT %+v, want min ≥ 10 ms (2×5 ms wire) and max < 60 ms", r.Target, r.RTT)
		}
		if r.Timestamps != "kernel" || r.Socket != "raw" {
			t.Errorf("%s: timestamps %q socket %q, want kernel and raw", r.Target, r.Timestamps, r.Socket)
		}
	}
	// No goroutine outlives Ping.
	testkit.WaitGoroutines(t, before)
}

// TestIntegrationPingErrors checks ICMP errors are reported per probe in
// both socket modes.
func TestIntegrationPingErrors(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	r1 := p.Routers[0]
	r1.NoICMPRateLimit()
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	r1.Reject(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), netlab.HostUnreachable)
	r1.Reject(netlab.Forward, netip.PrefixFrom(p.Target6(), 128), netlab.AdminProhibited)
	for _, mode := range []Mode{ModeRaw, ModeDatagram} {
		cfg := DefaultConfig()
		cfg.Count, cfg.Interval, cfg.Mode, cfg.Timeout = 3, 200*time.Millisecond, mode, time.Second
		res := pingIn(t, p.Src, cfg,
			[]Target{{"v4", p.Target4()}, {"v6", p.Target6()}})
		want := []ErrorCount{
			{Type: 3, Code: 1, Name: "Destination Host Unreachable", From: p.Hop4(1).String(), Count: 3},
			{Type: 1, Code: 1, Name: "Destination unreachable: Administratively prohibited", From: p.Hop6(1).String(), Count: 3},
		}
		for i, r := range res {
			if r.Received != 0 || r.Sent != 3 || len(r.ICMPErrors) != 1 || r.ICMPErrors[0] != want[i] {
				t.Errorf("%v %s: sent %d received %d errors %+v, want 3 sent, 0 received, errors [%+v]",
					mode, r.Target, r.Sent, r.Received, r.ICMPErrors, want[i])
			}
		}
	}
}

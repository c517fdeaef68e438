package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// chain is the path scenarios' lab: src — r1 — r2 — r3 — dst, the target
// at hop 4. Fast routers answer every probe (no ICMP rate limit), so each
// hop's sample is as big as the rounds; otherwise they keep Linux's default
// limits (6 at once, then one a second).
func chain(l *netlab.Lab, fast bool, cfg netlab.PathConfig) *netlab.Path {
	cfg.Routers, cfg.NoICMPRateLimit = 3, fast
	return l.Chain(cfg)
}

// family picks the addresses of one IP version in the chain: hop k (the
// target is hop 4), and the prefix of the target.
type family struct {
	name string
	v6   bool
}

func (f family) hop(k int) netip.Addr {
	var p *netlab.Path // the addresses depend on k only
	if f.v6 {
		return p.Hop6(k)
	}
	return p.Hop4(k)
}

func (f family) target() netip.Addr { return f.hop(4) }

// run is diagnose of the target from src, paths only.
func (f family) run(p *netlab.Path, args ...string) scenarioRun {
	return scenarioRun{node: p.Src, args: append(append([]string{"--no-host"}, args...), f.target().String())}
}

// dropOn makes r drop pct % of every packet it forwards (the links next to
// it are lossy for every protocol, both ways), or of the echo requests only.
func dropOn(r *netlab.Node, pct int, echoOnly bool) {
	if echoOnly {
		r.LoseEchoRequests(netlab.Forward, pct)
		return
	}
	r.Loss(netlab.Forward, netip.Prefix{}, pct)
}

// exactly wants the path's loss placed at hop k, as a warning.
func (f family) exactly(k int) wantFinding {
	return wantFinding{kind: "path_loss", severity: "warning", target: f.target().String(), hop: k, addr: f.hop(k).String(),
		evidence: map[string]any{"source": "echo requests"}}
}

// pathScenarios are the scenarios about paths to targets (loss, latency,
// rate limits, unreachables), run by TestIntegrationDiagnoseScenarios with
// the host scenarios. A rate of loss on a link is per crossing: a round trip
// through a router that drops forwarded packets crosses it twice, unless
// only echo requests are dropped.
func pathScenarios() []scenario {
	noLoss := []string{"path_loss", "target_unreachable", "unreachable"}
	v4, v6 := family{"IPv4", false}, family{"IPv6", true}
	var out []scenario
	for _, f := range []family{v4, v6} {
		out = append(out, []scenario{{
			name: f.name + ": clean path through rate-limiting routers",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				return f.run(chain(l, false, netlab.PathConfig{}))
			},
			forbid: append(noLoss, "latency_jump"), exit: exitOK,
		}, {
			name: f.name + ": 80 ms added by a slow wire, at the first hop behind it",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				return f.run(chain(l, true, netlab.PathConfig{Delays: []time.Duration{0, 40 * time.Millisecond}}))
			},
			want: []wantFinding{{kind: "latency_jump", severity: "info", target: f.target().String(), hop: 2, addr: f.hop(2).String(),
				check: persists}},
			forbid: noLoss, exit: exitOK,
		}, {
			name: f.name + ": 30% loss on a middle link, every protocol",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				p := chain(l, true, netlab.PathConfig{})
				dropOn(p.Routers[1], 30, false)
				return f.run(p)
			},
			want: []wantFinding{f.exactly(3)}, exit: exitWarning,
		}}...)
	}
	out = append(out, []scenario{{
		name: "10% loss on a middle link, every protocol",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			dropOn(p.Routers[1], 10, false)
			return v4.run(p)
		},
		want: []wantFinding{v4.exactly(3)}, exit: exitWarning,
	}, {
		name: "10% loss of echo requests only on a middle link",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			dropOn(p.Routers[1], 10, true)
			return v4.run(p)
		},
		want: []wantFinding{v4.exactly(3)}, exit: exitWarning,
	}, {
		name: "30% loss of echo requests only on a middle link",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			dropOn(p.Routers[1], 30, true)
			return v4.run(p)
		},
		want: []wantFinding{v4.exactly(3)}, exit: exitWarning,
	}, {
		// UDP probes do not see a loss of echo requests: the loss is
		// certain, where it starts is not, and netdx says so.
		name: "30% loss of echo requests only, traced with udp",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			dropOn(p.Routers[1], 30, true)
			return v4.run(p, "-P", "udp")
		},
		want: []wantFinding{{kind: "path_loss", severity: "warning", target: v4.target().String(), check: unplaced}},
		exit: exitWarning,
	}, {
		// The lab: Linux routers answer 6 probes at once then one
		// a second, too few to place a 30 % loss exactly; netdx must be
		// sure of the loss and place it no closer than its evidence.
		name: "30% loss of echo requests behind rate-limiting routers",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, false, netlab.PathConfig{})
			dropOn(p.Routers[1], 30, true)
			return v4.run(p)
		},
		want: []wantFinding{{kind: "path_loss", severity: "warning", target: v4.target().String(), check: startsBetween(3)}},
		exit: exitWarning,
	}, {
		name: "30% loss on the target's last link",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			dropOn(p.Routers[2], 30, false)
			return v4.run(p)
		},
		want: []wantFinding{v4.exactly(4)}, exit: exitWarning,
	}, {
		name: "a router dropping 60% of its own ICMP",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			p.Routers[1].DropICMPShare(60)
			return v4.run(p)
		},
		want:   []wantFinding{{kind: "hop_icmp_ratelimit", severity: "info", hop: 2, addr: v4.hop(2).String()}},
		forbid: noLoss, exit: exitOK,
	}, {
		name: "a router slow to send its own ICMP",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			return v4.run(chain(l, true, netlab.PathConfig{Delays: []time.Duration{0, 25 * time.Millisecond},
				DelayOnly: []func([]byte) bool{nil, netlab.ICMPFrom(v4.hop(2), v6.hop(2))}}))
		},
		want:   []wantFinding{{kind: "hop_icmp_ratelimit", severity: "info", hop: 2, addr: v4.hop(2).String()}},
		forbid: append(noLoss, "latency_jump"), exit: exitOK,
	}, {
		name: "a silent router",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			p.Routers[1].SilentTTL()
			return v4.run(p)
		},
		forbid: noLoss, exit: exitOK,
	}, {
		name: "a black-holed target",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := chain(l, true, netlab.PathConfig{})
			p.Routers[2].Fault(netlab.Forward, "ip daddr "+v4.target().String()+" drop")
			return v4.run(p)
		},
		want:   []wantFinding{{kind: "target_unreachable", severity: "critical", target: v4.target().String()}},
		forbid: []string{"path_loss"}, exit: exitCritical,
	}}...)
	for _, u := range []struct{ mark, kind string }{
		{"!H", netlab.HostUnreachable}, {"!N", netlab.NetUnreachable}, {"!X", netlab.AdminProhibited},
	} {
		out = append(out, scenario{
			name: "a router answering " + u.mark,
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				p := chain(l, true, netlab.PathConfig{})
				p.Routers[1].Reject(netlab.Forward, netip.PrefixFrom(v4.target(), 32), u.kind)
				return v4.run(p)
			},
			// r2 forwards, and so rejects, probes that reach it with a
			// TTL of 2 or more: like traceroute, "3 198.18.2.2 !X".
			want: []wantFinding{{kind: "unreachable", severity: "critical", target: v4.target().String(), hop: 3, addr: v4.hop(2).String(),
				evidence: map[string]any{"annotation": u.mark}}},
			forbid: []string{"path_loss", "target_unreachable"}, exit: exitCritical,
		})
	}
	return out
}

// persists checks a finding says the latency carries on to the target.
func persists(f finding) error {
	if f.Persists == nil || !*f.Persists {
		return fmt.Errorf("persists %v, want true", f.Persists)
	}
	return nil
}

// unplaced checks the loss is not placed at any hop.
func unplaced(f finding) error {
	if f.Hop != 0 {
		return fmt.Errorf("placed at hop %d, but its probes cannot show where", f.Hop)
	}
	return nil
}

// startsBetween checks the loss is placed exactly at hop k, or in a range
// that holds it (after a hop before k, by a hop at or past k).
func startsBetween(k int) func(f finding) error {
	return func(f finding) error {
		loc, _ := f.Evidence["location"].(map[string]any)
		after, _ := loc["after_hop"].(float64)
		by, _ := loc["by_hop"].(float64)
		if loc == nil || int(after) >= k || int(by) < k {
			return fmt.Errorf("location %v does not hold hop %d", loc, k)
		}
		if f.Hop != 0 && f.Hop != k {
			return fmt.Errorf("placed at hop %d, not %d", f.Hop, k)
		}
		return nil
	}
}

package main

import (
	"fmt"
	"net/netip"
	"testing"

	"netdx/internal/netlab"
)

// shapeScenarios are the scenarios about the path's shape (issue 18): MTU
// black holes and clean smaller MTUs, routing loops, return paths that
// differ from the way there. Run by TestIntegrationDiagnoseScenarios.
func shapeScenarios() []scenario {
	noLoss := []string{"path_loss", "target_unreachable", "unreachable"}
	v4, v6 := family{"IPv4", false}, family{"IPv6", true}
	var out []scenario
	for _, f := range []family{v4, v6} {
		out = append(out, []scenario{{
			name: f.name + ": MTU black hole after the first router",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				p := chain(l, true, netlab.PathConfig{MTUs: []int{0, 1400}})
				p.Routers[0].SilentTooBig()
				return f.run(p)
			},
			want: []wantFinding{{kind: "mtu_blackhole", severity: "warning", target: f.target().String(), hop: 1, addr: f.hop(1).String(),
				evidence: map[string]any{"largest_ok": 1400, "smallest_lost": 1401}}},
			forbid: noLoss, exit: exitWarning,
		}, {
			name: f.name + ": a smaller MTU its router tells of",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				return f.run(chain(l, true, netlab.PathConfig{MTUs: []int{0, 1400}}))
			},
			forbid: append(noLoss, "mtu_blackhole"), exit: exitOK,
		}, {
			name: f.name + ": a routing loop between two routers",
			build: func(t *testing.T, l *netlab.Lab) scenarioRun {
				p := chain(l, true, netlab.PathConfig{})
				p.Loop(2)
				return f.run(p)
			},
			want:   []wantFinding{f.loop()},
			forbid: []string{"target_unreachable", "path_loss"}, exit: exitCritical,
		}}...)
	}
	asymmetric := func(l *netlab.Lab) *netlab.Diamond {
		return l.Diamond(netlab.DiamondConfig{Branches: []int{1, 2}, Asymmetric: true, NoICMPRateLimit: true})
	}
	return append(out, []scenario{{
		// The trap: routers that rate-limit their ICMP, whose
		// "fragmentation needed" the trace rounds compete with.
		name: "a smaller MTU behind rate-limiting routers",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			return v4.run(chain(l, false, netlab.PathConfig{MTUs: []int{0, 1400}}))
		},
		forbid: append(noLoss, "mtu_blackhole"), exit: exitOK,
	}, {
		name: "30% loss on the return path only",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			d := asymmetric(l)
			d.Branches[1][0].Loss(netlab.Forward, netip.Prefix{}, 30)
			return scenarioRun{node: d.Src, args: []string{"--no-host", d.Target4().String()}}
		},
		want: []wantFinding{
			{kind: "path_loss", severity: "warning", check: returnCaveat},
			{kind: "asymmetric_return", severity: "info", hop: 3},
		},
		exit: exitWarning,
	}, {
		name: "a clean asymmetric path",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			d := asymmetric(l)
			return scenarioRun{node: d.Src, args: []string{"--no-host", d.Target4().String()}}
		},
		want:   []wantFinding{{kind: "asymmetric_return", severity: "info", hop: 3}},
		forbid: append(noLoss, "mtu_blackhole"), exit: exitOK,
	}}...)
}

// loop wants a routing loop between r1 and r2: for IPv4 from hop 1 (r1
// answers from its address towards src), for IPv6 from hop 2 (r2, then r1
// from the address the looping probes come in by).
func (f family) loop() wantFinding {
	if f.v6 {
		return wantFinding{kind: "routing_loop", severity: "critical", target: f.target().String(), hop: 2, addr: f.hop(2).String()}
	}
	return wantFinding{kind: "routing_loop", severity: "critical", target: f.target().String(), hop: 1, addr: f.hop(1).String()}
}

// returnCaveat checks a loss finding says the answers come back another
// way and the loss may be there.
func returnCaveat(f finding) error {
	rp, _ := f.Evidence["return_path"].(map[string]any)
	if rp["asymmetric"] != true {
		return fmt.Errorf("return path %v: want it asymmetric", rp)
	}
	return nil
}

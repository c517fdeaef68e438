package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// scenario is one lab and what "netdx diagnose --json", run inside it as a
// user would, must conclude there.
type scenario struct {
	name string
	// build makes the lab, starts what happens in it and says where and
	// how to run netdx.
	build func(t *testing.T, l *netlab.Lab) scenarioRun
	// want lists the findings that must be there, each matched by a
	// finding of its own. Every other finding must be information, and
	// none may be of a kind in forbid.
	want   []wantFinding
	forbid []string
	// exit is netdx's exit code (and so the status).
	exit int
}

// scenarioRun is where and how a scenario runs netdx.
type scenarioRun struct {
	node *netlab.Node
	// args follow "netdx diagnose --json": targets and options.
	args []string
	// pids are the processes findings must name, by the key a
	// wantFinding's pid field gives.
	pids map[string]int
}

// wantFinding is an expected finding: its kind and severity, and each of
// the other fields that is set.
type wantFinding struct {
	kind, severity string
	target         string
	hop            int
	addr           string
	iface          string
	process        string
	// pid is a key of scenarioRun.pids: the finding names that process.
	pid string
	// evidence lists values the finding's evidence must hold (compared
	// as printed: JSON numbers are float64).
	evidence map[string]any
	// check, if set, must accept the finding too (what a field compare
	// cannot say, such as a range).
	check func(f finding) error
}

func (w wantFinding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s", w.kind, w.severity)
	for _, kv := range []struct {
		k string
		v any
		z bool
	}{{"target", w.target, w.target == ""}, {"hop", w.hop, w.hop == 0}, {"addr", w.addr, w.addr == ""},
		{"iface", w.iface, w.iface == ""}, {"process", w.process, w.process == ""}, {"pid", w.pid, w.pid == ""}} {
		if !kv.z {
			fmt.Fprintf(&b, " %s=%v", kv.k, kv.v)
		}
	}
	return b.String()
}

// finding is one finding of diagnose's JSON.
type finding struct {
	Kind      string         `json:"kind"`
	Severity  string         `json:"severity"`
	Summary   string         `json:"summary"`
	Target    string         `json:"target"`
	Hop       int            `json:"hop"`
	Addr      string         `json:"addr"`
	DeltaMS   float64        `json:"delta_ms"`
	Persists  *bool          `json:"persists"`
	Interface string         `json:"interface"`
	PID       int            `json:"pid"`
	Process   string         `json:"process"`
	Evidence  map[string]any `json:"evidence"`
}

func (w wantFinding) matches(f finding, pids map[string]int) bool {
	if f.Kind != w.kind || f.Severity != w.severity ||
		(w.target != "" && f.Target != w.target) || (w.hop != 0 && f.Hop != w.hop) || (w.addr != "" && f.Addr != w.addr) ||
		(w.iface != "" && f.Interface != w.iface) || (w.process != "" && f.Process != w.process) ||
		(w.pid != "" && f.PID != pids[w.pid]) {
		return false
	}
	for k, v := range w.evidence {
		if fmt.Sprint(f.Evidence[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return w.check == nil || w.check(f) == nil
}

var statusOf = map[int]string{exitOK: "ok", exitWarning: "warning", exitCritical: "critical", exitUnknown: "unknown"}

// TestIntegrationDiagnoseScenarios runs "netdx diagnose --json" in one lab
// per scenario, in parallel, and checks its findings and exit code.
func TestIntegrationDiagnoseScenarios(t *testing.T) {
	bin := netdxBinary(t)
	for _, sc := range slices.Concat(hostScenarios(), pathScenarios(), shapeScenarios()) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			l := netlab.New(t)
			run := sc.build(t, l)
			cmd := run.node.Command(context.Background(), bin, append([]string{"diagnose", "--json"}, run.args...)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var d diagnosis
			if err := json.Unmarshal(out, &d); err != nil {
				t.Fatalf("not one JSON document (exit %d, stderr %q): %v\n%s", code, stderr.String(), err, out)
			}
			checkScenario(t, sc, run, code, d)
			if t.Failed() {
				t.Logf("netdx diagnose --json %s: exit %d, stderr %q", strings.Join(run.args, " "), code, stderr.String())
				for _, f := range d.Findings {
					t.Logf("  %s %s [%s %s hop %d %s pid %d]: %s %v", f.Severity, f.Kind, f.Interface, f.Target, f.Hop, f.Addr, f.PID, f.Summary, f.Evidence)
				}
			}
		})
	}
}

// checkScenario compares a diagnosis with what the scenario expects.
func checkScenario(t *testing.T, sc scenario, run scenarioRun, code int, d diagnosis) {
	t.Helper()
	if code != sc.exit || d.Status != statusOf[sc.exit] {
		t.Errorf("exit %d, status %q; want %d, %q", code, d.Status, sc.exit, statusOf[sc.exit])
	}
	for _, c := range d.Checks {
		if !c.OK {
			t.Errorf("check %s did not run", c.Name)
		}
	}
	used := make([]bool, len(d.Findings))
	for _, w := range sc.want {
		found := false
		for i, f := range d.Findings {
			if !used[i] && w.matches(f, run.pids) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no finding %s", w)
		}
	}
	for i, f := range d.Findings {
		if slices.Contains(sc.forbid, f.Kind) {
			t.Errorf("finding of a forbidden kind: %s %s: %s", f.Severity, f.Kind, f.Summary)
		} else if !used[i] && f.Severity != "info" {
			t.Errorf("unexpected finding: %s %s: %s", f.Severity, f.Kind, f.Summary)
		}
	}
}

// pair is the host scenarios' lab: host a (198.18.0.1) joined to b
// (198.18.0.2) by one veth pair, both dual stack.
func pair(l *netlab.Lab) (a, b *netlab.Node) {
	a, b = l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	return a, b
}

// startListener starts a program in n and waits until something listens
// on the TCP port.
func startListener(t *testing.T, n *netlab.Node, port int, prog string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := n.Command(context.Background(), prog, args...)
	if err := n.Start(cmd); err != nil {
		t.Fatal(err)
	}
	n.WaitListening(port)
	return cmd
}

// hostScenarios are the scenarios about the host netdx runs on.
func hostScenarios() []scenario {
	return []scenario{{
		name: "clean host",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, _ := pair(l)
			return scenarioRun{node: a}
		},
		exit: exitOK,
	}, {
		name: "tcpdump sniffing",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, _ := pair(l)
			td := a.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
			return scenarioRun{node: a, pids: map[string]int{"tcpdump": td.Process.Pid}}
		},
		want: []wantFinding{{kind: "sniffer", severity: "critical", iface: "eth0", process: "tcpdump", pid: "tcpdump",
			evidence: map[string]any{"promisc_flag": false, "promiscuity": 1}}},
		exit: exitCritical,
	}, {
		name: "PROMISC flag set by ip link",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, _ := pair(l)
			a.MustRun("ip", "link", "set", "eth0", "promisc", "on")
			return scenarioRun{node: a}
		},
		want:   []wantFinding{{kind: "promiscuous", severity: "warning", iface: "eth0"}},
		forbid: []string{"sniffer"},
		exit:   exitWarning,
	}, {
		name: "lossy TCP transfer",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			p := l.Chain(netlab.PathConfig{Routers: 1})
			dst := netip.AddrPortFrom(p.Target4(), 5001)
			p.Dst.Sink(dst)
			// 10 % of the data lost on the way: TCP retransmits it.
			p.Routers[0].Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 10)
			p.Src.StartStream(dst)
			return scenarioRun{node: p.Src, args: []string{"--interval", "2s"}}
		},
		want: []wantFinding{{kind: "retransmits", severity: "warning"}},
		exit: exitWarning,
	}, {
		name: "telnet listening, http on loopback only",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, _ := pair(l)
			telnet := startListener(t, a, 23, "ncat", "-l", "-k", "23")
			http := startListener(t, a, 80, "ncat", "-l", "-k", "127.0.0.1", "80")
			return scenarioRun{node: a, pids: map[string]int{"telnet": telnet.Process.Pid, "http": http.Process.Pid}}
		},
		want: []wantFinding{
			{kind: "cleartext_service", severity: "warning", process: "ncat", pid: "telnet",
				evidence: map[string]any{"service": "telnet", "local": "0.0.0.0:23", "secure_port": 22}},
			{kind: "cleartext_service", severity: "warning", process: "ncat", pid: "telnet",
				evidence: map[string]any{"service": "telnet", "local": "[::]:23"}},
			{kind: "cleartext_service", severity: "info", process: "ncat", pid: "http",
				evidence: map[string]any{"service": "http", "local": "127.0.0.1:80", "reachable": false}},
		},
		exit: exitWarning,
	}, {
		name: "listener of a deleted binary",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, _ := pair(l)
			cmd, path := a.StartDeleted("ncat", "implant", "-l", "-k", "4444")
			a.WaitListening(4444)
			t.Logf("implant[%d] ran from %s, deleted", cmd.Process.Pid, path)
			return scenarioRun{node: a, pids: map[string]int{"implant": cmd.Process.Pid}}
		},
		want: []wantFinding{{kind: "deleted_executable", severity: "critical", process: "implant", pid: "implant"}},
		exit: exitCritical,
	}, {
		name: "flapping link",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, b := pair(l)
			// The peer goes down and up every 200 ms while netdx samples
			// a's interfaces: a's carrier flaps.
			b.Flap("eth0", 200*time.Millisecond)
			return scenarioRun{node: a}
		},
		want:   []wantFinding{{kind: "interface_flapping", severity: "warning", iface: "eth0"}},
		forbid: []string{"interface_down"},
		exit:   exitWarning,
	}, {
		name: "TIME_WAIT holding the local ports",
		build: func(t *testing.T, l *netlab.Lab) scenarioRun {
			a, b := pair(l)
			// 200 local ports, no reuse: 195 connections closed by a leave
			// their ports in TIME_WAIT for a minute.
			a.Sysctl("net.ipv4.ip_local_port_range", "40000 40199")
			a.Sysctl("net.ipv4.tcp_tw_reuse", "0")
			dst := netip.MustParseAddrPort("198.18.0.2:8080")
			b.Sink(dst)
			if err := a.OpenAndClose(dst, 195); err != nil {
				t.Fatal(err)
			}
			return scenarioRun{node: a}
		},
		want: []wantFinding{{kind: "time_wait_pileup", severity: "critical",
			evidence: map[string]any{"top_endpoint": "198.18.0.2:8080", "tcp_tw_reuse": 0, "ip_local_port_range": "40000 40199"}}},
		exit: exitCritical,
	}}
}

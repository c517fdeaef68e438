package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// diagnosis is the part of diagnose's JSON the tests read.
type diagnosis struct {
	Status   string    `json:"status"`
	Findings []finding `json:"findings"`
	Checks   []struct {
		Name string `json:"name"`
		OK   bool   `json:"ok"`
	} `json:"checks"`
}

// TestIntegrationDiagnose runs "netdx diagnose" on a host of a lab where
// everything the design names happens at once: 80 ms added by the link
// between hop 1 and hop 2, a router answering !X for one target, tcpdump
// sniffing in promiscuous mode and a telnet listener. Each must come out as
// its finding, with its evidence, and the exit code must be CRITICAL.
func TestIntegrationDiagnose(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2, Delays: []time.Duration{0, 40 * time.Millisecond}})
	for _, r := range p.Routers {
		r.NoICMPRateLimit() // fast routers: every probe answered
	}
	blocked := netip.MustParseAddr("198.18.3.99")
	p.Routers[1].Reject(netlab.Forward, netip.PrefixFrom(blocked, 32), netlab.AdminProhibited)

	src := p.Src
	td := src.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
	telnet := src.Command(context.Background(), "ncat", "-l", "-k", "23")
	if err := src.Start(telnet); err != nil {
		t.Fatal(err)
	}
	src.WaitListening(23)

	target := p.Target4().String()
	cmd := src.Command(context.Background(), bin, "diagnose", "--json", "--interval", "0", target, blocked.String())
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCritical {
		t.Fatalf("exit: %v, want %d\n%s", err, exitCritical, out)
	}
	var d diagnosis
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if d.Status != "critical" {
		t.Errorf("status %q, want critical", d.Status)
	}
	for _, c := range d.Checks {
		if !c.OK {
			t.Errorf("check %s failed", c.Name)
		}
	}
	found := map[string]bool{}
	for _, f := range d.Findings {
		t.Logf("%s %s: %s %v", f.Severity, f.Kind, f.Summary, f.Evidence)
		switch {
		case f.Kind == "latency_jump" && f.Target == target:
			found[f.Kind] = true
			if f.Hop != 2 || f.Addr != p.Hop4(2).String() || f.Persists == nil || !*f.Persists {
				t.Errorf("latency jump at hop %d (%s), persists %v; want hop 2 (%s), persisting", f.Hop, f.Addr, f.Persists, p.Hop4(2))
			}
			if f.DeltaMS < 80 || f.DeltaMS > 90 {
				t.Errorf("latency jump of %.1f ms, the wire adds 80 ms", f.DeltaMS)
			}
		case f.Kind == "unreachable":
			found[f.Kind] = true
			// r2 forwards, and so rejects, only probes that reach it
			// with TTL 2 or more: like traceroute, "3 198.18.2.2 !X".
			if f.Target != blocked.String() || f.Hop != 3 || f.Addr != p.Hop4(2).String() || f.Severity != "critical" || f.Evidence["annotation"] != "!X" {
				t.Errorf("unreachable %+v: want !X from r2 (%s) at TTL 3 for %s, critical", f, p.Hop4(2), blocked)
			}
		case f.Kind == "sniffer":
			found[f.Kind] = true
			if f.Process != "tcpdump" || f.PID != td.Process.Pid || f.Interface != "eth0" {
				t.Errorf("sniffer %+v: want tcpdump[%d] on eth0", f, td.Process.Pid)
			}
		case f.Kind == "cleartext_service":
			found[f.Kind] = true
			if f.Process != "ncat" || f.Severity != "warning" || f.Evidence["service"] != "telnet" {
				t.Errorf("cleartext %+v: want ncat's telnet, warning", f)
			}
		case f.Kind == "path_loss" || f.Kind == "target_unreachable":
			t.Errorf("no loss was configured: %s", f.Summary)
		}
	}
	for _, k := range []string{"latency_jump", "unreachable", "sniffer", "cleartext_service"} {
		if !found[k] {
			t.Errorf("no %s finding", k)
		}
	}
}

// TestIntegrationDiagnoseClean checks a healthy namespace: exit 0 and
// nothing above information.
func TestIntegrationDiagnoseClean(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	out, err := p.Src.Command(context.Background(), bin, "diagnose", "--interval", "200ms",
		p.Target4().String(), p.Target6().String()).CombinedOutput()
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "netdx diagnose: OK") || !strings.Contains(string(out), "checked  path "+p.Target6().String()) {
		t.Errorf("output:\n%s", out)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, 50*time.Millisecond, ok)
}

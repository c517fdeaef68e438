package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"netdx/check"
	"netdx/diagnose"
	"netdx/internal/netlab"
	"netdx/sockets"
)

// TestCommandsAgree reads the host fixtures diagnose records in lab
// namespaces (diagnose/testdata/host) the way each command does: "netdx
// link" its snapshot, "netdx sockets" its table, "netdx diagnose" both
// through diagnose.Run. Every finding link or sockets shows is diagnose's,
// with the same severity, and diagnose's exit code is the worse of theirs:
// the same interface error rate, sniffer or listener changes every exit
// code that can see it the same way.
func TestCommandsAgree(t *testing.T) {
	files, err := filepath.Glob("../../diagnose/testdata/host/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no host fixtures: %v", err)
	}
	codes := map[string][3]int{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		var fx struct {
			Snapshot diagnose.LinkEvidence `json:"snapshot"`
			Table    sockets.Table         `json:"table"`
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range fx.Table.Sockets {
			s := &fx.Table.Sockets[i]
			s.LocalAddr, s.RemoteAddr = netip.MustParseAddrPort(s.Local), netip.MustParseAddrPort(s.Remote)
		}
		rules := diagnose.DefaultConfig()
		lr, sr := diagnose.ReadLink(fx.Snapshot, rules), diagnose.ReadSockets(fx.Table, rules)
		dr, _ := check.Run(context.Background(), rules, check.Sources{
			Link:    func(context.Context) (diagnose.LinkEvidence, error) { return fx.Snapshot, nil },
			Sockets: func(context.Context) (sockets.Table, error) { return fx.Table, nil },
		}, nil)
		in := map[string]bool{}
		for _, f := range dr.Findings {
			in[string(f.Kind)+" "+f.Severity.String()+" "+f.Summary] = true
		}
		for _, f := range append(lr.Findings, sr.Findings...) {
			if !in[string(f.Kind)+" "+f.Severity.String()+" "+f.Summary] {
				t.Errorf("%s: %s (%s) shown by link or sockets, not by diagnose: %s", name, f.Kind, f.Severity, f.Summary)
			}
		}
		c := [3]int{diagnose.ExitCode(lr.Status), diagnose.ExitCode(sr.Status), diagnose.ExitCode(dr.Status)}
		if c[2] != max(c[0], c[1]) {
			t.Errorf("%s: exit codes link %d, sockets %d, diagnose %d", name, c[0], c[1], c[2])
		}
		codes[name] = c
	}
	// link, sockets, diagnose
	for name, want := range map[string][3]int{
		"drops-now":     {exitWarning, exitOK, exitWarning}, // an interface error rate
		"since-boot":    {exitOK, exitOK, exitOK},           // the same counters, risen before
		"counter-reset": {exitOK, exitOK, exitOK},
		"tcpdump":       {exitCritical, exitOK, exitCritical},
		"cleartext":     {exitOK, exitWarning, exitWarning},
		"deleted-exe":   {exitOK, exitCritical, exitCritical},
		"time-wait":     {exitOK, exitCritical, exitCritical},
		"flapping":      {exitWarning, exitOK, exitWarning},
	} {
		if got, ok := codes[name]; !ok || got != want {
			t.Errorf("%s: exit codes (link, sockets, diagnose) %v, want %v", name, got, want)
		}
	}
}

// TestIntegrationHostCommandsAgree drops frames on an interface of a lab
// host (its MTU is above its peer's) while "netdx link" and "netdx
// diagnose" sample it: both show the drop rate as an interface_errors
// warning and exit 1; "netdx sockets", which reads no interfaces, exits 0.
// Once the drops stop, the counters only rose before the interval: both
// exit 0 and say nothing of them; read once without an interval, both call
// them information.
func TestIntegrationHostCommandsAgree(t *testing.T) {
	bin := netdxBinary(t)
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	a.MustRun("ip", "link", "set", "eth0", "mtu", "9000")
	ping := a.Command(context.Background(), "ping", "-n", "-q", "-i", "0.02", "-s", "5000", "198.18.0.2")
	if err := a.Start(ping); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, diagnosis, string) {
		t.Helper()
		cmd := a.Command(context.Background(), bin, args...)
		out, err := cmd.Output()
		code := 0
		if err != nil {
			code = cmd.ProcessState.ExitCode()
		}
		var d diagnosis
		if strings.Contains(strings.Join(args, " "), "--json") {
			if err := json.Unmarshal(out, &d); err != nil {
				t.Fatalf("%v: not JSON: %v\n%s", args, err, out)
			}
		}
		return code, d, string(out)
	}
	eth0Errors := func(d diagnosis) string {
		for _, f := range d.Findings {
			if f.Kind == "interface_errors" && f.Interface == "eth0" {
				return f.Severity
			}
		}
		return ""
	}
	for _, phase := range []struct {
		name     string
		stop     bool
		interval string
		code     int
		severity string // of eth0's interface_errors finding, "" for none
	}{
		{"dropping now", false, "1s", exitWarning, "warning"},
		{"dropped before the interval", true, "1s", exitOK, ""},
		{"dropped since the counters started, no interval", true, "0s", exitOK, "info"},
	} {
		if phase.stop && ping.ProcessState == nil {
			_ = ping.Process.Kill()
			_, _ = ping.Process.Wait()
		}
		lc, ld, _ := run("link", "--json", "--interval", phase.interval)
		dc, dd, _ := run("diagnose", "--json", "--interval", phase.interval)
		tc, _, text := run("link", "--interval", phase.interval)
		sc, sd, _ := run("sockets", "--json")
		if lc != phase.code || dc != phase.code || tc != phase.code || sc != exitOK {
			t.Errorf("%s: exit codes link %d (text %d), diagnose %d, sockets %d; want %d, %d and 0", phase.name, lc, tc, dc, sc, phase.code, phase.code)
		}
		if eth0Errors(ld) != phase.severity || eth0Errors(dd) != phase.severity || len(sd.Findings) != 0 {
			t.Errorf("%s: eth0 interface_errors in link %q, in diagnose %q (want %q); sockets findings %v", phase.name, eth0Errors(ld), eth0Errors(dd), phase.severity, sd.Findings)
		}
		if ld.Status != dd.Status || ld.Status != statusOf[phase.code] {
			t.Errorf("%s: status link %q, diagnose %q", phase.name, ld.Status, dd.Status)
		}
		if marked := strings.Contains(text, "! interface_errors ("+phase.severity+"): eth0:"); marked != (phase.severity != "") {
			t.Errorf("%s: link text marks eth0's errors: %v, want %v:\n%s", phase.name, marked, phase.severity != "", text)
		}
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"netdx/dialect/netdx"
	"netdx/internal/netlab"
	"netdx/probe"
)

// floodBinary is the netdx the flood tests run: the one built from this
// tree, or NETDX_FLOOD_BINARY (to measure another build side by side; the
// assertions then say how it fares).
func floodBinary(t *testing.T) string {
	if b := os.Getenv("NETDX_FLOOD_BINARY"); b != "" {
		return b
	}
	return netdxBinary(t)
}

// peakRSS runs netdx with args in n and returns its exit code, stdout and
// the peak of its resident memory (VmHWM, kB) read from /proc while it
// runs.
func peakRSS(t *testing.T, n *netlab.Node, args ...string) (int, string, int) {
	t.Helper()
	cmd := n.Command(context.Background(), floodBinary(t), args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := n.Start(cmd); err != nil {
		t.Fatal(err)
	}
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	var peak int
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := vmHWM(status); kb > peak {
				peak = kb
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	err := cmd.Wait()
	close(done)
	wg.Wait()
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return code, out.String(), peak
}

// forgerPath is a path for a forger on r1, 10 ms closer than the target
// (its answers come first), to a target that never rate-limits its ICMP;
// the neighbours are resolved. It returns the targets, IPv4 and IPv6.
func forgerPath(t *testing.T) (*netlab.Path, []string) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 5 * time.Millisecond}})
	p.Dst.NoICMPRateLimit()
	targets := []string{p.Target4().String(), p.Target6().String()}
	for _, dst := range targets {
		p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", dst) // neighbours
	}
	return p, targets
}

// logTargets logs the figures of each target of a ping document.
func logTargets(t *testing.T, d netdx.PingJSON) {
	for _, r := range d.Targets {
		t.Logf("%s: sent %d received %d loss %v%% late %d invalid %d %v, %d icmp_errors entries",
			r.Target, r.Sent, r.Received, r.LossPct, r.Late, r.Invalid, r.InvalidByCause, len(r.ICMPErrors))
	}
}

// vmHWM is the peak resident set size in /proc/PID/status, in kB.
func vmHWM(status string) int {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	return 0
}

// TestIntegrationPingForgedFlood runs netdx ping past an on-path forger on
// r1, 10 ms closer than the target, that answers every echo request with
// a flood of forgeries (errors quoting 8 bytes and the whole request from
// made-up senders, replies with a bad checksum, an altered payload or from
// elsewhere) for about 10 s. On the healthy path every real reply counts: 0 % loss, nothing late,
// every forgery counted invalid by cause. Then the target stops answering:
// the forged errors stand, one a probe, and icmp_errors stays bounded.
// Either way netdx's memory stays under 50 MB and its JSON small.
func TestIntegrationPingForgedFlood(t *testing.T) {
	p, targets := forgerPath(t)
	// First the attack of issue 9: errors quoting 8 bytes, and replies
	// that fail a check.
	f := p.Routers[0].StartForger(netlab.ForgerConfig{Interface: p.Links[0].IfB, Copies: 8,
		Kinds: netlab.ForgeAll &^ netlab.ForgeFullError})
	const count = 500 // 10 s at 50 a second, per target
	args := append([]string{"ping", "--json", "-c", strconv.Itoa(count), "-i", "0.02", "-W", "1"}, targets...)

	code, out, peak := peakRSS(t, p.Src, args...)
	seen, sent, missed := f.Stats()
	t.Logf("healthy path: forger saw %d requests, sent %d forgeries; netdx peak RSS %d kB, JSON %d bytes", seen, sent, peak, len(out))
	if seen < count || sent < 20*seen || missed != 0 {
		t.Errorf("forger saw %d requests (missed %d packets) and sent %d packets: not the flood the test needs", seen, missed, sent)
	}
	d := pingJSON(t, out)
	logTargets(t, d)
	if code != exitOK || len(d.Targets) != 2 {
		t.Fatalf("exit %d, %d targets", code, len(d.Targets))
	}
	for _, r := range d.Targets {
		c := r.InvalidByCause
		if r.Sent != count || r.Received != count || r.LossPct != 0 || r.Late != 0 || len(r.ICMPErrors) != 0 {
			t.Errorf("%s: sent %d received %d loss %v%% late %d errors %d, want %d received, none late, no errors standing",
				r.Target, r.Sent, r.Received, r.LossPct, r.Late, len(r.ICMPErrors), count)
		}
		// Per probe: 8 x 2 forged errors, each shown false by the reply
		// (contradicted) or a repeat; 8 replies from elsewhere, 1
		// altered. (A few forgeries may be lost at a busy socket.)
		if c["contradicted_error"]+c["repeated_error"] < count*14 || c["wrong_source"] < count*7 || c["wrong_token"] < count*9/10 {
			t.Errorf("%s: invalid %d by cause %v, want every forgery counted", r.Target, r.Invalid, c)
		}
		if strings.Contains(r.Addr, ".") && c["bad_checksum"] < count*9/10 {
			t.Errorf("%s: %d bad checksums, want one a probe", r.Target, c["bad_checksum"])
		}
	}
	if peak > 50<<10 || len(out) > 16<<10 {
		t.Errorf("peak RSS %d kB, JSON %d bytes: want under 50 MB and 16 KB", peak, len(out))
	}

	// The target goes silent, and the forger also quotes the whole
	// request, token and all, as a router would: the first such error of
	// each probe stands, each from another made-up sender.
	f.Stop()
	f = p.Routers[0].StartForger(netlab.ForgerConfig{Interface: p.Links[0].IfB, Copies: 8})
	p.Dst.Fault(netlab.Input, "icmp type echo-request drop")
	p.Dst.Fault(netlab.Input, "icmpv6 type echo-request drop")
	code, out, peak = peakRSS(t, p.Src, args...)
	seen, sent, missed = f.Stats()
	t.Logf("silent target: forger saw %d requests, sent %d forgeries; netdx peak RSS %d kB, JSON %d bytes", seen, sent, peak, len(out))
	if seen < count || missed != 0 {
		t.Errorf("forger saw %d requests and missed %d packets: not every probe drew its errors", seen, missed)
	}
	d = pingJSON(t, out)
	logTargets(t, d)
	if code != exitCritical || len(d.Targets) != 2 {
		t.Fatalf("exit %d, %d targets", code, len(d.Targets))
	}
	for _, r := range d.Targets {
		total := 0
		for _, e := range r.ICMPErrors {
			total += e.Count
		}
		last := probe.ErrorCount{}
		if len(r.ICMPErrors) > 0 {
			last = r.ICMPErrors[len(r.ICMPErrors)-1]
		}
		if r.Received != 0 || len(r.ICMPErrors) != probe.MaxErrorKinds+1 || last.From != probe.OtherSenders || total != r.Sent {
			t.Errorf("%s: received %d, %d icmp_errors entries (last %+v) counting %d of %d probes; want %d kinds and the rest in one entry, one error a probe",
				r.Target, r.Received, len(r.ICMPErrors), last, total, r.Sent, probe.MaxErrorKinds)
		}
	}
	if peak > 50<<10 || len(out) > 32<<10 {
		t.Errorf("peak RSS %d kB, JSON %d bytes: want under 50 MB and 32 KB", peak, len(out))
	}
}

// TestIntegrationTraceUnverified: r2 never answers TTL expiry, and an
// on-path forger there answers every echo request with a Host Unreachable
// quoting 8 bytes (no token) from a made-up sender. trace shows hop 2 from
// those answers alone and marks it unverified (JSON, -v); diagnose says
// the !H is unverified and makes it a warning, not the critical
// unreachable it made before, while the target answers every echo request.
func TestIntegrationTraceUnverified(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2, Delays: []time.Duration{0, 5 * time.Millisecond}})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	p.Routers[1].SilentTTL()
	target := p.Target4().String()
	p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", target) // neighbours
	p.Routers[1].StartForger(netlab.ForgerConfig{Interface: p.Links[1].IfB, Kinds: netlab.ForgeShortUnreachable})

	_, out, errOut := netdxIn(t, p.Src, nil, "trace", "--json", "-n", "-P", "icmp", "-q", "1", "-w", "1", target)
	var res struct {
		Hops []struct {
			TTL        int  `json:"ttl"`
			Unverified bool `json:"unverified"`
			Probes     []struct {
				Addr       string `json:"addr"`
				Annotation string `json:"annotation"`
				Unverified bool   `json:"unverified"`
			} `json:"probes"`
		} `json:"hops"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Hops) < 2 {
		t.Fatalf("trace --json: %v\n%s%s", err, out, errOut)
	}
	for _, h := range res.Hops {
		pr := h.Probes[0]
		forged := h.TTL == 2
		if h.Unverified != forged || pr.Unverified != forged || forged && (pr.Annotation != "!H" || !strings.HasPrefix(pr.Addr, "198.19.")) {
			t.Errorf("hop %d (unverified %v): %+v; want only hop 2 unverified, a forged !H", h.TTL, h.Unverified, pr)
		}
	}
	_, out, _ = netdxIn(t, p.Src, nil, "trace", "-v", "-n", "-P", "icmp", "-w", "1", target)
	if !regexp.MustCompile(`(?m)^ 2  198\.19\.\S+ .*!H.*\(\d unverified: quoted without the probe's token\)$`).MatchString(out) {
		t.Errorf("trace -v: no unverified note on hop 2:\n%s", out)
	}

	code, out, errOut := netdxIn(t, p.Src, nil, "diagnose", "--json", "--interval", "0", target)
	var d diagnosis
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("diagnose: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	seen := false
	for _, f := range d.Findings {
		t.Logf("%s %s: %s %v", f.Severity, f.Kind, f.Summary, f.Evidence)
		if f.Severity == "critical" {
			t.Errorf("critical finding on unverified answers: %s", f.Summary)
		}
		if f.Kind == "unreachable" {
			seen = true
			if f.Hop != 2 || f.Severity != "warning" || f.Evidence["unverified"] != true || !strings.Contains(f.Summary, "unverified") {
				t.Errorf("unreachable %+v: want hop 2's !H said unverified, a warning", f)
			}
		}
	}
	if !seen || code != exitWarning || d.Status != "warning" {
		t.Errorf("exit %d, status %s, unreachable found %v: want the unverified !H as a warning", code, d.Status, seen)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
)

var (
	pingBinOnce sync.Once
	pingBinPath string
	pingBinErr  error
)

// netdxBinary builds netdx once per test process into a folder any user
// may read (so that it can also run as nobody). There is no TestMain to
// remove it at exit: each build first sweeps the folders of test
// processes that are gone.
func netdxBinary(t *testing.T) string {
	t.Helper()
	pingBinOnce.Do(func() {
		sweepBinaries()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("netdx-ping-test-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			pingBinErr = err
			return
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			pingBinErr = err
			return
		}
		pingBinPath = filepath.Join(dir, "netdx")
		out, err := exec.Command("go", "build", "-o", pingBinPath, ".").CombinedOutput()
		if err != nil {
			pingBinErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if pingBinErr != nil {
		t.Fatal(pingBinErr)
	}
	return pingBinPath
}

// sweepBinaries removes the binaries of earlier test processes.
func sweepBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "netdx-ping-test-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "netdx-ping-test-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// netdxIn runs the netdx binary in node n and returns exit code, stdout
// and stderr. Extra leading words of argv (e.g. setpriv ...) go first.
func netdxIn(t *testing.T, n *netlab.Node, prefix []string, args ...string) (int, string, string) {
	t.Helper()
	bin := netdxBinary(t)
	argv := append(append(append([]string{}, prefix...), bin), args...)
	cmd := n.Command(context.Background(), argv[0], argv[1:]...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("netdx %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

func pingJSON(t *testing.T, stdout string) pingDoc {
	t.Helper()
	var d pingDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	return d
}

// iputilsAvg runs iputils ping in n and returns its loss and average RTT.
func iputilsAvg(t *testing.T, n *netlab.Node, args ...string) (loss, avg float64) {
	t.Helper()
	loss, avg, _ = iputils(t, n, args...)
	return loss, avg
}

// iputils runs iputils ping in n and returns its loss, average RTT and
// the median of the RTTs of its reply lines.
func iputils(t *testing.T, n *netlab.Node, args ...string) (loss, avg, median float64) {
	t.Helper()
	out, err := n.Run(context.Background(), "ping", args...)
	if err != nil && !strings.Contains(out, "packet loss") {
		t.Errorf("ping: %v", err)
		return 100, 0, 0
	}
	m := regexp.MustCompile(`([\d.]+)% packet loss`).FindStringSubmatch(out)
	r := regexp.MustCompile(`= [\d.]+/([\d.]+)/`).FindStringSubmatch(out)
	if m == nil || r == nil {
		t.Errorf("unexpected iputils output:\n%s", out)
		return 100, 0, 0
	}
	loss, _ = strconv.ParseFloat(m[1], 64)
	avg, _ = strconv.ParseFloat(r[1], 64)
	var rtts []float64
	for _, x := range regexp.MustCompile(`time=([\d.]+) ms`).FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(x[1], 64)
		rtts = append(rtts, v)
	}
	if len(rtts) > 0 {
		slices.Sort(rtts)
		median = rtts[(len(rtts)-1)/2]
	}
	return loss, avg, median
}

// TestIntegrationPingVsIputils compares netdx's RTT with iputils ping on
// the same delayed path, v4 and v6, both running at the same time so that
// they see the same load, and checks the text output.
func TestIntegrationPingVsIputils(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 10 * time.Millisecond}})
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		iputilsAvg(t, p.Src, "-n", "-c", "1", "-W", "2", dst.String()) // warm neighbour caches
		var ipAvg, ipMedian float64
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, ipAvg, ipMedian = iputils(t, p.Src, "-n", "-c", "40", "-i", "0.05", dst.String())
		}()
		code, out, errOut := netdxIn(t, p.Src, nil, "ping", "--json", "-c", "40", "-i", "0.05", dst.String())
		<-done
		if code != 0 {
			t.Fatalf("netdx exit %d: %s", code, errOut)
		}
		r := pingJSON(t, out).Targets[0]
		t.Logf("%s: iputils avg %.3f median %.3f ms; netdx avg %.3f p50 %.3f ms (min %.3f max %.3f, %s timestamps)",
			dst, ipAvg, ipMedian, r.RTT.Avg, r.RTT.P50, r.RTT.Min, r.RTT.Max, r.Timestamps)
		if r.Received != 40 || r.Timestamps != "kernel" {
			t.Errorf("%s: received %d, timestamps %q", dst, r.Received, r.Timestamps)
		}
		// The median resists the slow wire's own hiccups on a loaded
		// machine; the averages are logged above.
		if math.Abs(r.RTT.P50-ipMedian) > 1.5 {
			t.Errorf("%s: netdx median %.3f ms, iputils %.3f ms: more than 1.5 ms apart", dst, r.RTT.P50, ipMedian)
		}
		if r.RTT.Min < 20 {
			t.Errorf("%s: min RTT %.3f ms below the wire's 20 ms", dst, r.RTT.Min)
		}
	}

	// Text output reads like iputils.
	code, out, _ := netdxIn(t, p.Src, nil, "ping", "-c", "3", "-i", "0.2", p.Target4().String())
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`^PING 198\.18\.2\.2 \(198\.18\.2\.2\) 56\(84\) bytes of data\.\n`),
		regexp.MustCompile(`\n64 bytes from 198\.18\.2\.2: icmp_seq=3 ttl=63 time=\d+(\.\d)? ms\n`),
		regexp.MustCompile(`\n--- 198\.18\.2\.2 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time \d+ms\n`),
		regexp.MustCompile(`\nrtt min/avg/max/mdev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms\n`),
	}
	for _, re := range want {
		if !re.MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}
}

// TestIntegrationPingLossy checks the measured loss on a path that drops
// 30 % of the echo requests.
func TestIntegrationPingLossy(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 30)
	code, out, errOut := netdxIn(t, p.Src, nil, "ping", "--json", "-q", "-c", "400", "-i", "0.002", "-W", "1", p.Target4().String())
	if code != 0 {
		t.Fatalf("exit %d (some replies should come back): %s", code, errOut)
	}
	r := pingJSON(t, out).Targets[0]
	t.Logf("configured 30%% loss, netdx measured %.1f%% over %d probes", r.LossPct, r.Sent)
	if r.Sent != 400 || r.LossPct < 20 || r.LossPct > 40 || r.Invalid != 0 || r.Duplicates != 0 {
		t.Errorf("sent %d loss %.1f%% invalid %d dup %d, want 400 sent and 30%% ± 10 loss", r.Sent, r.LossPct, r.Invalid, r.Duplicates)
	}
}

// TestIntegrationPingNoCrossTalk runs two netdx and one iputils ping to
// the same target at the same time: none may count another's replies.
func TestIntegrationPingNoCrossTalk(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 2 * time.Millisecond}})
	dst := p.Target4().String()
	iputilsAvg(t, p.Src, "-n", "-c", "1", "-W", "2", dst)
	var wg sync.WaitGroup
	docs := make([]pingDoc, 2)
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out string
			codes[i], out, _ = netdxIn(t, p.Src, nil, "ping", "--json", "-q", "-c", "100", "-i", "0.01", dst)
			_ = json.Unmarshal([]byte(out), &docs[i])
		}()
	}
	iputilsAvg(t, p.Src, "-n", "-q", "-c", "100", "-i", "0.01", dst)
	wg.Wait()
	for i, d := range docs {
		if codes[i] != 0 || len(d.Targets) != 1 {
			t.Fatalf("run %d: exit %d, %+v", i, codes[i], d)
		}
		r := d.Targets[0]
		if r.Sent != 100 || r.Received != 100 || r.Duplicates != 0 || r.Invalid != 0 || r.Late != 0 {
			t.Errorf("run %d: sent %d received %d dup %d invalid %d late %d; want exactly its own 100", i, r.Sent, r.Received, r.Duplicates, r.Invalid, r.Late)
		}
	}
}

// TestIntegrationPingManyTargets pings 254 IPv4 and 10 IPv6 addresses in
// one run, one probe each.
func TestIntegrationPingManyTargets(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	var args []string
	var batch strings.Builder
	for i := 1; i <= 254; i++ {
		fmt.Fprintf(&batch, "address add 198.18.100.%d/32 dev lo\n", i)
		args = append(args, fmt.Sprintf("198.18.100.%d", i))
	}
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&batch, "address add 2001:db8:100::%x/128 dev lo\n", i)
		args = append(args, fmt.Sprintf("2001:db8:100::%x", i))
	}
	ipBatch(t, p.Dst, batch.String())
	code, out, errOut := netdxIn(t, p.Src, nil, append([]string{"ping", "--json", "-c", "1", "-W", "2"}, args...)...)
	d := pingJSON(t, out)
	if code != 0 || len(d.Targets) != len(args) {
		t.Fatalf("exit %d, %d results for %d targets: %s", code, len(d.Targets), len(args), errOut)
	}
	for i, r := range d.Targets {
		if r.Target != args[i] || r.Addr != args[i] || r.Sent != 1 || r.Received != 1 || r.Invalid != 0 {
			t.Errorf("target %d: %+v", i, r)
		}
	}
}

// ipBatch runs "ip -batch" in n.
func ipBatch(t *testing.T, n *netlab.Node, script string) {
	t.Helper()
	cmd := n.Command(context.Background(), "ip", "-batch", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ip -batch: %v: %s", err, out)
	}
}

// TestIntegrationPingUnprivileged runs netdx as nobody: with the
// namespace's ping_group_range admitting it, on datagram sockets; without,
// exit 3 naming both fixes; a fast interval is refused.
func TestIntegrationPingUnprivileged(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"}
	p.Src.Sysctl("net.ipv4.ping_group_range", "1 0")
	code, out, errOut := netdxIn(t, p.Src, nobody, "ping", "-c", "1", p.Target4().String())
	if code != exitUnknown || out != "" || !strings.Contains(errOut, "setcap cap_net_raw+ep") || !strings.Contains(errOut, "ping_group_range") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("without permission: exit %d, stdout %q, stderr %q; want 3 and one line naming both fixes", code, out, errOut)
	}
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 2147483647")
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		code, out, errOut = netdxIn(t, p.Src, nobody, "ping", "--json", "-c", "3", "-i", "0.2", dst.String())
		if code != 0 {
			t.Fatalf("as nobody to %s: exit %d: %s", dst, code, errOut)
		}
		r := pingJSON(t, out).Targets[0]
		if r.Socket != "datagram" || r.Received != 3 || r.Invalid != 0 || r.Timestamps != "kernel" {
			t.Errorf("as nobody to %s: %+v, want 3 received on a datagram socket with kernel timestamps", dst, r)
		}
	}
	code, _, errOut = netdxIn(t, p.Src, nobody, "ping", "-c", "3", "-i", "0.01", p.Target4().String())
	if code != exitUnknown || !strings.Contains(errOut, "200ms") {
		t.Errorf("-i 0.01 as nobody: exit %d, stderr %q; want 3 and the interval rule", code, errOut)
	}
	code, _, errOut = netdxIn(t, p.Src, nobody, "ping", "--privileged", "-c", "1", p.Target4().String())
	if code != exitUnknown || !strings.Contains(errOut, "CAP_NET_RAW") {
		t.Errorf("--privileged as nobody: exit %d, stderr %q", code, errOut)
	}
}

// TestIntegrationPingNagiosAndErrors checks check_ping mode against a
// path of known RTT, and an unreachable target.
func TestIntegrationPingNagiosAndErrors(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1, Delays: []time.Duration{0, 15 * time.Millisecond}})
	p.Routers[0].ICMPRateLimit(0, 0, 0)
	dst := p.Target4().String()
	iputilsAvg(t, p.Src, "-n", "-c", "1", "-W", "2", dst)
	// The path's RTT is at least 30 ms (twice the wire's delay) and, even
	// with the slow wire's hiccups on a loaded machine, far below 1000 ms:
	// each threshold pair below has one possible outcome.
	perf := regexp.MustCompile(`^PING (OK|WARNING|CRITICAL) - Packet loss = 0%, RTA = (\d+\.\d\d) ms\|rta=(\d+\.\d{3})000ms;(\d+\.000000);(\d+\.000000);0\.000000 pl=0%;20;60;0\n$`)
	for _, tc := range []struct {
		warn, crit string
		code       int
	}{{"1000,20%", "2000,60%", exitOK}, {"10,20%", "2000,60%", exitWarning}, {"5,20%", "10,60%", exitCritical}} {
		code, out, _ := netdxIn(t, p.Src, nil, "ping", "-w", tc.warn, "-c", tc.crit, "-p", "3", "-i", "0.2", dst)
		m := perf.FindStringSubmatch(out)
		if code != tc.code || m == nil || m[1] != strings.ToUpper(statusName(tc.code)) {
			t.Errorf("-w %s -c %s: exit %d, output %q; want %d", tc.warn, tc.crit, code, out, tc.code)
			continue
		}
		if rta, _ := strconv.ParseFloat(m[3], 64); rta < 30 || fmt.Sprintf("%.2f", rta) != m[2] {
			t.Errorf("RTA %s in the line, %s in the perfdata: want the same, at least 30 ms", m[2], m[3])
		}
	}
	p.Routers[0].Reject(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), netlab.HostUnreachable)
	code, out, _ := netdxIn(t, p.Src, nil, "ping", "-c", "2", "-i", "0.2", dst)
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop4(1).String()+" icmp_seq=1 Destination Host Unreachable\n") ||
		!strings.Contains(out, "2 packets transmitted, 0 received, +2 errors, 100% packet loss") {
		t.Errorf("unreachable: exit %d, output:\n%s", code, out)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-w", "100,20%", "-c", "500,60%", "-p", "2", "-i", "0.2", dst)
	if code != exitCritical || out != "PING CRITICAL - Packet loss = 100%| rta=U;100.000000;500.000000;; pl=100%;20;60;0\n" {
		t.Errorf("unreachable in threshold mode: exit %d, %q", code, out)
	}
}

// TestIntegrationPingInterrupt sends SIGINT to a running netdx: it must
// print the statistics so far and exit by its own rules.
func TestIntegrationPingInterrupt(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	cmd := p.Src.Command(context.Background(), netdxBinary(t), "ping", "-i", "0.2", p.Target4().String())
	var out strings.Builder
	cmd.Stdout = &out
	if err := p.Src.Start(cmd); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	// ip netns exec runs netdx in its own process: signal the group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	err := cmd.Wait()
	if err != nil {
		t.Errorf("exit after Ctrl-C: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`\n(\d+) packets transmitted, (\d+) received, 0% packet loss`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Errorf("no statistics after Ctrl-C:\n%s", out.String())
	}
}

// TestIntegrationPingOptions checks name resolution failures, -t, -I and
// -M do against a path with a small MTU.
func TestIntegrationPingOptions(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].ICMPRateLimit(0, 0, 0)
	dst := p.Target4().String()

	// A name that does not resolve is an error for that target only; the
	// lab's resolver (127.0.0.1, nothing listening) keeps the lookup in.
	code, out, errOut := netdxIn(t, p.Src, nil, "ping", "--json", "-c", "1", "nosuch.invalid", dst)
	d := pingJSON(t, out)
	if code != exitUnknown || len(d.Targets) != 2 || d.Targets[0].Error == "" || d.Targets[1].Received != 1 || d.Status != "unknown" {
		t.Errorf("unresolvable name: exit %d, %+v, stderr %q", code, d, errOut)
	}
	if !strings.Contains(errOut, "nosuch.invalid") {
		t.Errorf("stderr does not name the target: %q", errOut)
	}

	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-t", "1", "-c", "1", dst)
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop4(1).String()+" icmp_seq=1 Time to live exceeded\n") {
		t.Errorf("-t 1: exit %d:\n%s", code, out)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "-6", "-t", "1", "-c", "1", p.Target6().String())
	if code != exitCritical || !strings.Contains(out, "From "+p.Hop6(1).String()+" icmp_seq=1 Time exceeded: Hop limit\n") {
		t.Errorf("-6 -t 1: exit %d:\n%s", code, out)
	}

	for _, src := range []string{p.Links[0].IfA, p.Src.Addr4().String()} {
		code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-I", src, "-c", "2", "-i", "0.2", dst)
		if code != 0 || pingJSON(t, out).Targets[0].Received != 2 {
			t.Errorf("-I %s: exit %d, %s %s", src, code, out, errOut)
		}
	}
	code, _, errOut = netdxIn(t, p.Src, nil, "ping", "-I", "198.18.77.1", "-c", "1", dst)
	if code != exitUnknown || !strings.Contains(errOut, "198.18.77.1") {
		t.Errorf("-I with an address not on the host: exit %d, %q", code, errOut)
	}

	// A link-local target with its zone: the reply carries none.
	ll := regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64`).FindStringSubmatch(
		p.Routers[0].MustRun("ip", "-6", "-o", "addr", "show", "dev", p.Links[0].IfB, "scope", "link"))
	if ll == nil {
		t.Fatal("router has no link-local address")
	}
	code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-c", "2", "-i", "0.2", ll[1]+"%"+p.Links[0].IfA)
	if r := pingJSON(t, out).Targets[0]; code != 0 || r.Received != 2 || r.Invalid != 0 {
		t.Errorf("link-local %s%%%s: exit %d, %+v %s", ll[1], p.Links[0].IfA, code, r, errOut)
	}

	// -M do with a payload above the path MTU: the kernel refuses to
	// send, netdx says so for each probe and counts them as lost.
	code, out, errOut = netdxIn(t, p.Src, nil, "ping", "--json", "-M", "do", "-s", "2000", "-c", "2", "-i", "0.2", dst)
	r := pingJSON(t, out).Targets[0]
	if code != exitCritical || r.SendErrors != 2 || r.Received != 0 || !strings.Contains(errOut, "message too long") {
		t.Errorf("-M do -s 2000: exit %d, %+v, stderr %q", code, r, errOut)
	}
	code, out, _ = netdxIn(t, p.Src, nil, "ping", "--json", "-M", "dont", "-s", "2000", "-c", "2", "-i", "0.2", dst)
	if r := pingJSON(t, out).Targets[0]; code != 0 || r.Received != 2 {
		t.Errorf("-M dont -s 2000 (fragmented): exit %d, %+v", code, r)
	}
}

// TestIntegrationPingDuplicates has the router duplicate every echo
// request (nftables dup): each probe is answered twice; netdx counts one
// reply and one duplicate per probe, on raw and datagram sockets, and
// check_ping mode warns.
func TestIntegrationPingDuplicates(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	// netlab's faults live in an inet table, where dup is not supported.
	cmd := p.Routers[0].Command(context.Background(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("table ip pingdup {\n chain dupchain {\n  type filter hook forward priority 0; policy accept;\n"+
		"  ip daddr %s icmp type echo-request dup to %s device %s\n }\n}\n", p.Target4(), p.Target4(), p.Links[1].IfA))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	dst := p.Target4().String()
	for _, mode := range []string{"--privileged", "--unprivileged"} {
		code, out, errOut := netdxIn(t, p.Src, nil, "ping", mode, "--json", "-c", "4", "-i", "0.2", dst)
		r := pingJSON(t, out).Targets[0]
		if code != 0 || r.Sent != 4 || r.Received != 4 || r.Duplicates != 4 || r.Invalid != 0 || r.LossPct != 0 {
			t.Errorf("%s: exit %d, %+v %s; want 4 received and 4 duplicates", mode, code, r, errOut)
		}
	}
	code, out, _ := netdxIn(t, p.Src, nil, "ping", "-w", "100,20%", "-c", "500,60%", "-p", "2", "-i", "0.2", dst)
	if code != exitWarning || !strings.HasPrefix(out, "PING WARNING - DUPLICATES FOUND! Packet loss = 0%, RTA = ") {
		t.Errorf("threshold mode with duplicates: exit %d, %q", code, out)
	}
}

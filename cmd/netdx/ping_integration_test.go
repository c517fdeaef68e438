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

	"netdx/dialect/netdx"
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
		// Built as README says to install it: without cgo, so that it can
		// drop its capabilities once its sockets are open.
		build := exec.Command("go", "build", "-o", pingBinPath, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := build.CombinedOutput()
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

func pingJSON(t *testing.T, stdout string) netdx.PingJSON {
	t.Helper()
	var d netdx.PingJSON
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	return d
}

// iputilsAvg runs iputils ping in n and returns its loss and average RTT.
func iputilsAvg(t *testing.T, n *netlab.Node, args ...string) (loss, avg float64) {
	t.Helper()
	loss, avg, _ = runIputils(t, n, args...)
	return loss, avg
}

// runIputils runs iputils ping in n and returns its loss, average RTT and
// the median of the RTTs of its reply lines.
func runIputils(t *testing.T, n *netlab.Node, args ...string) (loss, avg, median float64) {
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
			_, ipAvg, ipMedian = runIputils(t, p.Src, "-n", "-c", "40", "-i", "0.05", dst.String())
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
	docs := make([]netdx.PingJSON, 2)
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

	// Text for several targets reads like fping -c.
	// Replies on stdout, the summary on stderr, as fping puts them.
	code, out, errOut = netdxIn(t, p.Src, nil, "ping", "-c", "2", "-i", "0.2", "198.18.100.1", "198.18.100.22", "2001:db8:100::1")
	for _, re := range []string{
		`(?m)^198\.18\.100\.1    : \[1\], 64 bytes, \d+\.\d+ ms \(\d+\.\d+ avg, 0% loss\)$`,
		`(?m)^2001:db8:100::1 : \[0\], 64 bytes, \d+\.\d+ ms \(\d+\.\d+ avg, 0% loss\)$`,
	} {
		if code != 0 || !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("exit %d, output does not match %s:\n%s", code, re, out)
		}
	}
	if re := `(?m)^198\.18\.100\.22   : xmt/rcv/%loss = 2/2/0%, min/avg/max = [\d.]+/[\d.]+/[\d.]+$`; !regexp.MustCompile(re).MatchString(errOut) {
		t.Errorf("stderr does not match %s:\n%s", re, errOut)
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

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
	"netdx/link"
)

// labGuard bounds each wait of these tests; it only turns a hang into a
// failure and never decides a result.
const labGuard = 60 * time.Second

// netdxRun is a netdx process started in a lab node, for tests that
// signal it mid-run.
type netdxRun struct {
	cmd *exec.Cmd
	bin string

	mu     sync.Mutex
	lines  []string
	more   chan struct{} // closed and replaced when a line comes
	closed bool
	errb   strings.Builder
	done   chan struct{}
}

// startNetdx starts the netdx binary in n and returns once netdx handles
// SIGINT and SIGTERM itself, so that a signal sent from then on tests
// netdx, never the Go runtime's default (which kills). It starts netdx
// with SIGINT ignored: the runtime then leaves it ignored until
// signal.Notify takes it over (runtime.sigInstallGoHandler), which
// /proc/PID/status shows in SigCgt.
func startNetdx(t *testing.T, n *netlab.Node, args ...string) *netdxRun {
	t.Helper()
	r := &netdxRun{bin: netdxBinary(t), more: make(chan struct{}), done: make(chan struct{})}
	shArgs := append([]string{"-c", `trap "" INT; exec "$0" "$@"`, r.bin}, args...)
	r.cmd = n.Command(context.Background(), "sh", shArgs...)
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = &r.errb
	if err := n.Start(r.cmd); err != nil {
		t.Fatal(err)
	}
	go r.read(stdout)
	r.waitHandler(t)
	return r
}

func (r *netdxRun) read(stdout io.Reader) {
	defer close(r.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		r.mu.Lock()
		r.lines = append(r.lines, sc.Text())
		close(r.more)
		r.more = make(chan struct{})
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.closed = true
	close(r.more)
	r.mu.Unlock()
}

// waitHandler waits until the process is netdx (ip netns exec and sh exec
// in place) and its SigCgt has SIGINT, or until it has ended: a short run
// (sockets in a small lab) can finish before the test looks, and then its
// exit and output are what the signal would have left.
func (r *netdxRun) waitHandler(t *testing.T) {
	t.Helper()
	pid := r.cmd.Process.Pid
	testkit.Poll(t, "netdx to take over SIGINT", labGuard, time.Millisecond, func() (string, bool) {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatalf("netdx ended before handling signals: %v; stderr %q", err, r.errb.String())
		}
		if strings.Contains(string(status), "\nState:\tZ") {
			return "ended", true // not yet reaped: nothing left to signal
		}
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != r.bin {
			return "running " + exe, false
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
				mask, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				return "SigCgt " + strings.TrimSpace(v), mask&(1<<(syscall.SIGINT-1)) != 0
			}
		}
		return "no SigCgt", false
	})
}

// waitLine waits for a line of stdout containing s.
func (r *netdxRun) waitLine(t *testing.T, s string) {
	t.Helper()
	guard := time.After(labGuard)
	for seen := 0; ; {
		r.mu.Lock()
		lines, more, closed := r.lines, r.more, r.closed
		r.mu.Unlock()
		for ; seen < len(lines); seen++ {
			if strings.Contains(lines[seen], s) {
				return
			}
		}
		if closed {
			t.Fatalf("netdx ended without a line with %q:\n%s%s", s, strings.Join(lines, "\n"), r.errb.String())
		}
		select {
		case <-more:
		case <-guard:
			t.Fatalf("no line with %q:\n%s", s, strings.Join(lines, "\n"))
		}
	}
}

// stop sends sig to netdx and returns its exit code and output.
func (r *netdxRun) stop(t *testing.T, sig syscall.Signal) (code int, stdout, stderr string) {
	t.Helper()
	if err := syscall.Kill(r.cmd.Process.Pid, sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.done:
	case <-time.After(labGuard):
		t.Fatalf("netdx still running after %v", sig)
	}
	err := r.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			t.Fatalf("netdx killed by %v: it did not handle it", ws.Signal())
		}
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return code, strings.Join(r.lines, "\n") + "\n", r.errb.String()
}

// icmpIn reads an Icmp counter of node n's namespace.
func icmpIn(t *testing.T, n *netlab.Node, name string) int64 {
	t.Helper()
	c := link.Counters{}
	if err := link.ParseSNMP([]byte(n.MustRun("cat", "/proc/net/snmp")), c); err != nil {
		t.Fatal(err)
	}
	return c.Get("Icmp", name)
}

// waitICMP waits until node n has received at least min ICMP messages of
// the counter name: answers to netdx's probes.
func waitICMP(t *testing.T, n *netlab.Node, name string, min int64) {
	t.Helper()
	testkit.Poll(t, fmt.Sprintf("%s: %s to reach %d", n.Name(), name, min), labGuard, 5*time.Millisecond, func() (int64, bool) {
		v := icmpIn(t, n, name)
		return v, v >= min
	})
}

// TestIntegrationSignalTrace interrupts traces mid-run (a silent target
// keeps them waiting for 30 s): they print the hops measured so far and
// exit by them (2: the target did not answer), never "context canceled".
// A report interrupted after two rounds reports them and exits 0.
func TestIntegrationSignalTrace(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	dst := p.Target4().String()
	p.Dst.Fault(netlab.Input, "ip daddr "+dst+" drop") // a silent target

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		r := startNetdx(t, p.Src, "trace", "-n", "-w", "30", dst)
		r.waitLine(t, " 1  "+p.Hop4(1).String()+"  ")
		code, out, errOut := r.stop(t, sig)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != exitCritical || errOut != "" || !strings.HasPrefix(lines[0], "traceroute to "+dst) ||
			!strings.HasPrefix(lines[1], " 1  "+p.Hop4(1).String()) || lines[len(lines)-1] != "     interrupted" {
			t.Errorf("text, %v: exit %d, stderr %q, stdout:\n%s\nwant 2, the header, hop 1 and 'interrupted'", sig, code, errOut, out)
		}
	}

	before := icmpIn(t, p.Src, "InTimeExcds")
	r := startNetdx(t, p.Src, "trace", "--json", "-n", "-w", "30", dst)
	waitICMP(t, p.Src, "InTimeExcds", before+1) // hop 1 answered, in the kernel
	code, out, errOut := r.stop(t, syscall.SIGTERM)
	var d traceDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("json after SIGTERM: %v\n%s%s", err, out, errOut)
	}
	if code != exitCritical || errOut != "" || d.EndReason != "canceled" || d.Reached || len(d.Hops) == 0 ||
		d.Hops[0].TTL != 1 || d.Hops[0].Probes[0].Addr != p.Hop4(1).String() {
		t.Errorf("json, SIGTERM: exit %d, stderr %q, %+v; want 2, canceled, hop 1 answered", code, errOut, d)
	}

	p.Dst.ClearFaults()
	before = icmpIn(t, p.Src, "InDestUnreachs")
	for _, asJSON := range []bool{false, true} {
		args := []string{"trace", "--report", "-c", "1000", "--interval", "0.1", "-n", dst}
		if asJSON {
			args = append(args, "--json")
		}
		r := startNetdx(t, p.Src, args...)
		// The target's port unreachable of two rounds: the first is done.
		waitICMP(t, p.Src, "InDestUnreachs", before+2)
		code, out, errOut := r.stop(t, syscall.SIGINT)
		before = icmpIn(t, p.Src, "InDestUnreachs")
		if asJSON {
			var rep struct {
				Rounds  int  `json:"rounds"`
				Reached bool `json:"reached"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || errOut != "" || !rep.Reached || rep.Rounds < 1 || rep.Rounds >= 1000 {
				t.Errorf("report json after SIGINT: exit %d, %v, stderr %q:\n%s", code, err, errOut, out)
			}
			continue
		}
		if code != exitOK || errOut != "" || !strings.Contains(out, "Loss%") || !strings.Contains(out, "  2.|-- "+dst) {
			t.Errorf("report after SIGINT: exit %d, stderr %q:\n%s", code, errOut, out)
		}
	}
}

// TestIntegrationSignalLink interrupts link --interval (the rates cover
// the time sampled) and link --watch (every sample printed whole).
func TestIntegrationSignalLink(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{})

	r := startNetdx(t, a, "link", "--interval", "30s")
	code, out, errOut := r.stop(t, syscall.SIGINT)
	if code != exitOK || errOut != "" || !strings.Contains(out, "eth0") || !strings.Contains(out, "\nTCP: ") {
		t.Errorf("link --interval, SIGINT: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	r = startNetdx(t, a, "link", "--json", "--interval", "30s")
	code, out, errOut = r.stop(t, syscall.SIGTERM)
	var snap link.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil || code != exitOK || errOut != "" || len(snap.Links) == 0 {
		t.Fatalf("link --json --interval, SIGTERM: exit %d, %v, stderr %q:\n%s", code, err, errOut, out)
	}
	for _, lk := range snap.Links {
		if lk.Rates != nil && lk.Rates.IntervalMS >= 30000 {
			t.Errorf("%s: rates over %.0f ms: the interval was not cut short", lk.Name, lk.Rates.IntervalMS)
		}
	}

	r = startNetdx(t, a, "link", "--watch", "--interval", "100ms")
	r.waitLine(t, "--- ")
	code, out, errOut = r.stop(t, syscall.SIGINT)
	if code != exitOK || errOut != "" || !strings.HasPrefix(out, "--- ") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\nTCP: ") != strings.Count(out, "--- ") {
		t.Errorf("link --watch, SIGINT: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	r = startNetdx(t, a, "link", "--watch", "--json", "--interval", "100ms")
	r.waitLine(t, `"links"`)
	code, out, errOut = r.stop(t, syscall.SIGTERM)
	if code != exitOK || errOut != "" {
		t.Errorf("link --watch --json, SIGTERM: exit %d, stderr %q", code, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if err := json.Unmarshal([]byte(line), &snap); err != nil {
			t.Errorf("link --watch --json: a line is not a whole document: %v: %.200s", err, line)
		}
	}
}

// TestIntegrationSignalSockets: a signal while netdx sockets reads the
// table lets it finish the listing and exit by what it shows (a telnet
// listener: 1), not by the signal.
func TestIntegrationSignalSockets(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{})
	ncat := a.Command(context.Background(), "ncat", "-4", "-l", "-k", "23")
	if err := a.Start(ncat); err != nil {
		t.Fatal(err)
	}
	a.WaitListening(23)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		r := startNetdx(t, a, "sockets", "-p")
		code, out, errOut := r.stop(t, sig)
		if code != exitWarning || errOut != "" || !strings.Contains(out, "0.0.0.0:23") || !strings.Contains(out, "cleartext telnet") {
			t.Errorf("sockets, %v: exit %d, stderr %q:\n%s", sig, code, errOut, out)
		}
		r = startNetdx(t, a, "sockets", "-p", "--json")
		code, out, errOut = r.stop(t, sig)
		var doc struct {
			Sockets []struct {
				Local     string `json:"local"`
				Cleartext string `json:"cleartext"`
			} `json:"sockets"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitWarning || errOut != "" || len(doc.Sockets) != 1 || doc.Sockets[0].Cleartext != "telnet" {
			t.Errorf("sockets --json, %v: exit %d, %v, stderr %q:\n%s", sig, code, err, errOut, out)
		}
	}
}

// TestIntegrationRefusedAtRuntime: what only the kernel can refuse (an
// address or interface this host does not have) still names the flag, on
// one line, with nothing on stdout: trace prints its header only once its
// sockets are open.
func TestIntegrationRefusedAtRuntime(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{})
	dst := p.Target4().String()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "-s", "198.18.9.9", dst}, "netdx trace: -s 198.18.9.9: not an address of this host\n"},
		{[]string{"trace", "-P", "icmp", "-s", "198.18.9.9", dst}, "netdx trace: -s 198.18.9.9: not an address of this host\n"},
		{[]string{"trace", "-i", "nosuch0", dst}, "netdx trace: -i nosuch0: no such interface\n"},
		{[]string{"ping", "-c", "1", "-I", "198.18.77.1", dst}, "netdx ping: -I 198.18.77.1: not an address of this host\n"},
		{[]string{"ping", "-c", "1", "-I", "nosuch0", dst}, "netdx ping: -I nosuch0: no such interface\n"},
	} {
		code, out, errOut := netdxIn(t, p.Src, nil, tc.args...)
		if code != exitUnknown || out != "" || errOut != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 3, nothing, %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestIntegrationSignalDiagnose interrupts a long diagnose of a lossy path:
// it judges what it measured (a loss this large is certain from the echo
// replies so far), prints one whole report and exits by it, never
// "context canceled".
func TestIntegrationSignalDiagnose(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Dst.NoICMPRateLimit()
	p.Routers[0].Loss(netlab.Forward, netip.Prefix{}, 30)
	dst := p.Target4().String()
	for _, asJSON := range []bool{true, false} {
		args := []string{"diagnose", "--no-host", "--duration", "60s", dst}
		if asJSON {
			args = append(args, "--json")
		}
		before := icmpIn(t, p.Src, "InEchoReps")
		r := startNetdx(t, p.Src, args...)
		waitICMP(t, p.Src, "InEchoReps", before+60)
		code, out, errOut := r.stop(t, syscall.SIGINT)
		if !asJSON {
			if code != exitWarning || errOut != "" || !strings.HasPrefix(out, "netdx diagnose: WARNING") ||
				!strings.Contains(out, "path_loss") || !strings.Contains(out, "(interrupted)") {
				t.Errorf("text after SIGINT: exit %d, stderr %q:\n%s", code, errOut, out)
			}
			continue
		}
		var d diagnosis
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("json after SIGINT: %v\n%s%s", err, out, errOut)
		}
		if code != exitWarning || errOut != "" || d.Status != "warning" || len(d.Checks) != 1 || !d.Checks[0].OK {
			t.Errorf("json after SIGINT: exit %d, stderr %q, %+v", code, errOut, d)
		}
	}
}

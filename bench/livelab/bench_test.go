// Package livelab holds the lab side of bench/live-vs-report.sh: the CPU
// that netdx trace --live (the view, its echo stream, diagnose over the
// window every round) costs over netdx trace --report, on the same
// 10-hop namespace path, at one round a second, for the same number of
// rounds.
package livelab

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"netdx/internal/netlab"
)

// TestBenchLiveVsReport builds src - r1 - … - r9 - dst (the target at hop
// 10, 10 ms on the link behind r5, routers answering every probe), then
// runs, one after the other, netdx trace --report -c N and netdx trace
// --live -c N (in a pseudo-terminal of 120x40 that nobody reads but a
// drain) with ICMP probes at one round a second, and reads each one's CPU
// time (user + system, from wait4's rusage: ip netns exec execs netdx in
// its place). It prints both and the difference as a share of one core.
// It runs only from the script (NETDX_BENCH_NETDX names the binary).
func TestBenchLiveVsReport(t *testing.T) {
	bin := os.Getenv("NETDX_BENCH_NETDX")
	if bin == "" {
		t.Skip("run bench/live-vs-report.sh")
	}
	rounds, runs := 60, 1
	fmt.Sscan(os.Getenv("NETDX_BENCH_ROUNDS"), &rounds)
	fmt.Sscan(os.Getenv("NETDX_BENCH_RUNS"), &runs)
	l := netlab.New(t)
	delays := make([]time.Duration, 10)
	delays[5] = 5 * time.Millisecond
	p := l.Chain(netlab.PathConfig{Routers: 9, Delays: delays})
	for _, r := range p.Routers {
		r.NoICMPRateLimit()
	}
	p.Dst.NoICMPRateLimit()
	target := p.Target4().String()
	p.Src.MustRun("ping", "-n", "-c", "2", "-W", "2", target)

	common := []string{"-n", "-P", "icmp", "-c", strconv.Itoa(rounds), "--interval", "1", target}
	report := append([]string{bin, "trace", "--report"}, common...)
	live := append([]string{bin, "trace", "--live"}, common...)
	fmt.Printf("path: 10 hops (the target %s at hop 10), ICMP probes, one round a second, %d rounds, %d run(s) each\n", target, rounds, runs)
	var rep, liv []float64
	for i := range runs {
		// Alternate which goes first, so that neither always follows
		// the other.
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		for _, isLive := range order {
			if isLive {
				cpu, wall, out := runPTY(t, p.Src, live)
				if !strings.Contains(out, "netdx trace --report to "+target) {
					t.Errorf("--live printed no report at the end:\n%s", out)
				}
				liv = append(liv, cpu)
				fmt.Printf("run %d  --live    cpu %.3f s  wall %.1f s\n", i+1, cpu, wall)
			} else {
				cpu, wall, out := runPlain(t, p.Src, report)
				if !strings.Contains(out, "10.|-- "+target) {
					t.Errorf("--report did not reach the target at hop 10:\n%s", out)
				}
				rep = append(rep, cpu)
				fmt.Printf("run %d  --report  cpu %.3f s  wall %.1f s\n", i+1, cpu, wall)
			}
		}
	}
	r, v := median(rep), median(liv)
	secs := float64(rounds)
	fmt.Printf("median cpu: --report %.3f s (%.2f%% of a core), --live %.3f s (%.2f%% of a core)\n", r, 100*r/secs, v, 100*v/secs)
	fmt.Printf("--live adds %.2f%% of one core over --report (target: at most 5%%); ratio live/report %.2fx\n", 100*(v-r)/secs, v/r)
}

// runPlain runs argv in n with stdout captured and returns its CPU and
// wall seconds and what it printed.
func runPlain(t *testing.T, n *netlab.Node, argv []string) (cpu, wall float64, out string) {
	t.Helper()
	var b strings.Builder
	cmd := n.Command(context.Background(), argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &b, &b
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, b.String())
	}
	return cpuOf(cmd), time.Since(start).Seconds(), b.String()
}

// runPTY runs argv in n on a new pseudo-terminal (its controlling
// terminal, 120x40) whose output is drained, and returns its CPU and wall
// seconds and the output's last 8 KiB.
func runPTY(t *testing.T, n *netlab.Node, argv []string) (cpu, wall float64, out string) {
	t.Helper()
	master, slave := openPTY(t, 120, 40)
	defer master.Close()
	cmd := n.Command(context.Background(), argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A terminal of 256 colours that, like tmux, is not asked for its
	// background: nothing answers on this one, and termenv (under
	// bubbletea's init) would wait 5 s for it.
	cmd.Env = append(os.Environ(), "TERM=screen-256color")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	tail := &tailWriter{max: 8 << 10}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		io.Copy(tail, master) // ends with EIO once the last holder of the terminal is gone
	}()
	err := cmd.Wait()
	wall = time.Since(start).Seconds()
	<-drained
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, tail.b)
	}
	return cpuOf(cmd), wall, string(tail.b)
}

func cpuOf(cmd *exec.Cmd) float64 {
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// openPTY opens a pseudo-terminal pair of the given size.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := int(m.Fd())
	unlock := 0
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	num, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		t.Fatalf("winsize: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(num), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	b   []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append(w.b[:0], w.b[len(w.b)-w.max:]...)
	}
	return len(p), nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

package netlab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// Where iproute2 keeps named namespaces and the per-namespace /etc files
// that "ip netns exec" bind-mounts.
var (
	netnsDir = "/run/netns"
	etcNetns = "/etc/netns"
)

// namePrefix starts every namespace netlab makes: "ndx-<pid base36>-<lab>-".
const namePrefix = "ndx-"

// Lab is one test's network: its namespaces, links, wires and processes.
type Lab struct {
	tb     testing.TB
	prefix string

	mu      sync.Mutex
	nodes   []*Node
	wires   []*slowWire
	forgers []*Forger
	procs   []*exec.Cmd
	closers []func()
	cleaned bool
	nlinks  int
}

var (
	labSeq   atomic.Int64
	liveMu   sync.Mutex
	liveLabs = map[*Lab]bool{}
	sigOnce  sync.Once
	sweepMu  sync.Once
)

// Available reports why the lab cannot run here, or nil when it can.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("netlab: needs root for network namespaces (run the tests as root: sudo -E go test ./...)")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("netlab: needs %s (apt-get install iproute2 nftables): %w", tool, err)
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return fmt.Errorf("netlab: needs /dev/net/tun for the slow wire: %w", err)
	}
	return nil
}

// New returns an empty lab for tb, or skips tb when the lab cannot run here
// (fails it when NETDX_LAB_REQUIRED is set). Everything the lab creates is
// removed in tb's cleanup.
func New(tb testing.TB) *Lab {
	tb.Helper()
	if err := Available(); err != nil {
		if os.Getenv("NETDX_LAB_REQUIRED") != "" {
			tb.Fatalf("%v (NETDX_LAB_REQUIRED is set)", err)
		}
		tb.Skip(err.Error())
	}
	sweepMu.Do(func() { sweepStale(tb) })
	l := &Lab{
		tb:     tb,
		prefix: fmt.Sprintf("%s%s-%d-", namePrefix, strconv.FormatInt(int64(os.Getpid()), 36), labSeq.Add(1)),
	}
	liveMu.Lock()
	liveLabs[l] = true
	liveMu.Unlock()
	sigOnce.Do(cleanOnSignal)
	tb.Cleanup(l.Close)
	return l
}

// Close removes everything the lab made: flappers, listeners, streams,
// temporary files, wires, processes, namespaces and their /etc/netns
// folders. It runs by itself at the end of the test; calling it twice is
// harmless.
func (l *Lab) Close() {
	l.teardown(func(ns string, err error) { l.tb.Errorf("netlab: clean up %s: %v", ns, err) })
}

// teardown removes the lab once, telling report about what it could not
// remove.
func (l *Lab) teardown(report func(ns string, err error)) {
	l.mu.Lock()
	if l.cleaned {
		l.mu.Unlock()
		return
	}
	l.cleaned = true
	wires, forgers, procs, nodes, closers := l.wires, l.forgers, l.procs, l.nodes, l.closers
	l.mu.Unlock()

	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	for _, w := range wires {
		w.close()
	}
	for _, f := range forgers {
		f.Stop()
	}
	for _, c := range procs {
		killProc(c)
	}
	for _, n := range nodes {
		if err := removeNamespace(n.ns); err != nil {
			report(n.ns, err)
		}
	}
	liveMu.Lock()
	delete(liveLabs, l)
	liveMu.Unlock()
}

// Namespaces lists the names of the lab's namespaces, for tests and logs.
func (l *Lab) Namespaces() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	for _, n := range l.nodes {
		names = append(names, n.ns)
	}
	return names
}

func killProc(c *exec.Cmd) {
	if c.Process == nil || c.ProcessState != nil {
		return
	}
	// The command runs in its own process group: end all of it.
	_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	_ = c.Process.Kill()
	_, _ = c.Process.Wait()
}

// removeNamespace kills whatever still runs in ns, deletes it and its
// /etc/netns folder.
func removeNamespace(ns string) error {
	if out, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	var errs []error
	if _, err := os.Stat(filepath.Join(netnsDir, ns)); err == nil {
		if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("ip netns delete: %v: %s", err, strings.TrimSpace(string(out))))
		}
	}
	if err := os.RemoveAll(filepath.Join(etcNetns, ns)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// sweepStale removes namespaces left by test processes that died before
// their cleanup ran (a timeout panic, SIGKILL).
func sweepStale(tb testing.TB) {
	for _, ns := range staleNamespaces() {
		if err := removeNamespace(ns); err != nil {
			tb.Logf("netlab: sweeping stale %s: %v", ns, err)
		}
	}
}

// staleNamespaces lists netlab namespaces (and /etc/netns folders) whose
// creating process no longer exists.
func staleNamespaces() []string {
	seen := map[string]bool{}
	var stale []string
	for _, dir := range []string{netnsDir, etcNetns} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name := e.Name()
			if seen[name] || !strings.HasPrefix(name, namePrefix) {
				continue
			}
			seen[name] = true
			pid, ok := labOwner(name)
			if !ok || pid == int64(os.Getpid()) {
				continue
			}
			if err := syscall.Kill(int(pid), 0); errors.Is(err, syscall.ESRCH) {
				stale = append(stale, name)
			}
		}
	}
	return stale
}

// labOwner parses a netlab namespace name, "ndx-<pid base36>-<lab>-<node>",
// and returns the pid of the process that made it. Names of any other shape
// (someone else's "ndx-…") are not netlab's.
func labOwner(name string) (int64, bool) {
	parts := strings.SplitN(strings.TrimPrefix(name, namePrefix), "-", 3)
	if len(parts) != 3 || parts[2] == "" {
		return 0, false
	}
	if _, err := strconv.ParseUint(parts[1], 10, 32); err != nil {
		return 0, false
	}
	pid, err := strconv.ParseInt(parts[0], 36, 64)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// cleanOnSignal removes every live lab when the test binary is interrupted,
// then exits as the signal would have.
func cleanOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-ch
		liveMu.Lock()
		labs := make([]*Lab, 0, len(liveLabs))
		for l := range liveLabs {
			labs = append(labs, l)
		}
		liveMu.Unlock()
		for _, l := range labs {
			l.teardown(func(string, error) {})
		}
		fmt.Fprintf(os.Stderr, "netlab: %v: removed %d lab(s)\n", sig, len(labs))
		os.Exit(130)
	}()
}

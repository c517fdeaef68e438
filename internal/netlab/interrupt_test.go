package netlab

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperLabThenWait is not a test of its own: the interruption tests
// run it in a child process, which builds a lab, prints its namespaces and
// waits to be stopped.
func TestHelperLabThenWait(t *testing.T) {
	if os.Getenv("NETLAB_HELPER") != "1" {
		t.Skip("helper for TestIntegrationInterrupted")
	}
	l := New(t)
	l.Chain(PathConfig{Routers: 1, Delays: []time.Duration{time.Millisecond}})
	os.Stdout.WriteString("READY " + strings.Join(l.Namespaces(), " ") + "\n")
	time.Sleep(time.Minute)
}

// TestIntegrationInterrupted checks that a lab leaves nothing behind when
// its test process is interrupted (SIGINT: cleaned by the signal handler)
// or killed outright (SIGKILL: swept by the next lab).
func TestIntegrationInterrupted(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLabThenWait$", "-test.v")
			cmd.Env = append(os.Environ(), "NETLAB_HELPER=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			var names []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if rest, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
					names = strings.Fields(rest)
					break
				}
			}
			if len(names) != 4 {
				t.Fatalf("child reported namespaces %v", names)
			}
			for _, ns := range names {
				if _, err := os.Stat(filepath.Join(netnsDir, ns)); err != nil {
					t.Fatalf("child's namespace %s missing while it runs: %v", ns, err)
				}
			}
			_ = cmd.Process.Signal(sig)
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			_ = cmd.Wait()
			if sig == syscall.SIGKILL {
				// Nothing ran in the child: the next lab's sweep removes it.
				sweepStale(t)
			}
			for _, ns := range names {
				for _, dir := range []string{netnsDir, etcNetns} {
					if _, err := os.Stat(filepath.Join(dir, ns)); !os.IsNotExist(err) {
						t.Errorf("after %v: %s/%s still exists", sig, dir, ns)
					}
				}
			}
		})
	}
}

package privs

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIntegrationDrop runs Drop in a child process with several busy
// threads: afterwards no thread holds a capability, and a raw socket
// can no longer be opened.
func TestIntegrationDrop(t *testing.T) {
	if os.Getenv("NETDX_PRIVS_CHILD") == "1" {
		dropChild(t)
		return
	}
	if raceBuild {
		t.Skip("a -race build links cgo, and a cgo binary cannot drop capabilities on every thread " +
			"(syscall.AllThreadsSyscall: ENOTSUP, Drop returns ErrCgo); build without -race to test Drop")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("NETDX_LAB_REQUIRED") == "1" {
			t.Fatal("needs root (NETDX_LAB_REQUIRED=1)")
		}
		t.Skip("needs root: run as root to test dropping capabilities")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIntegrationDrop$", "-test.v")
	cmd.Env = append(os.Environ(), "NETDX_PRIVS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil && strings.Contains(string(out), "--- SKIP") {
		t.Skipf("child skipped:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func dropChild(t *testing.T) {
	// Busy threads, so that Drop has more than one to change.
	stop := make(chan struct{})
	var wg, locked sync.WaitGroup
	for range 4 {
		wg.Add(1)
		locked.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			locked.Done()
			<-stop
		}()
	}
	locked.Wait()
	defer func() { close(stop); wg.Wait() }()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err != nil {
		t.Fatalf("raw socket before Drop: %v", err)
	}
	unix.Close(fd)
	if c, _ := Current(); c.Effective == 0 {
		t.Fatal("root without capabilities before Drop")
	}
	if err := Drop(); errors.Is(err, ErrCgo) {
		t.Skipf("this test binary links cgo: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	caps, err := Threads(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) < 5 {
		t.Errorf("%d threads, want at least 5", len(caps))
	}
	for tid, c := range caps {
		if c != (Caps{}) {
			t.Errorf("thread %d keeps %+v", tid, c)
		}
	}
	if _, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP); !errors.Is(err, unix.EPERM) {
		t.Errorf("raw socket after Drop: %v, want EPERM", err)
	}
	if err := Drop(); err != nil {
		t.Errorf("second Drop: %v", err)
	}
}

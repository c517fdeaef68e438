package netlab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"netdx/internal/testkit"
)

// TestIntegrationFlap checks that taking one end of a veth down and up
// makes the carrier of the other end go down and come back, twice counted
// per cycle, and that Flap leaves the link up.
func TestIntegrationFlap(t *testing.T) {
	l := New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, LinkConfig{})
	changes := func() int {
		t.Helper()
		n, err := a.CarrierChanges("eth0")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := changes()
	b.FlapTimes("eth0", 3)
	if got := changes() - before; got != 6 {
		t.Errorf("3 flaps of the peer: %d carrier changes on a's end, want 6", got)
	}
	before = changes()
	f := b.Flap("eth0", 20*time.Millisecond)
	testkit.WaitFor(t, "3 flaps", 10*time.Millisecond, func() bool { return changes()-before >= 6 })
	cycles, err := f.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if got := changes() - before; cycles < 3 || got != 2*cycles {
		t.Errorf("flapping for %d cycles made %d carrier changes, want 2 a cycle (at least 3 cycles)", cycles, got)
	}
	if out := a.MustRun("cat", "/sys/class/net/eth0/carrier"); strings.TrimSpace(out) != "1" {
		t.Errorf("carrier after Stop: %q, want 1", out)
	}
}

// TestIntegrationStartDeleted checks that the process runs from a file
// that no longer exists, and that /proc says so.
func TestIntegrationStartDeleted(t *testing.T) {
	l := New(t)
	a := l.Node("a")
	cmd, path := a.StartDeleted("sleep", "implant", "600")
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if exe != path+" (deleted)" || !strings.HasPrefix(path, os.TempDir()) {
		t.Errorf("exe %q, want %q marked deleted, under %s", exe, path, os.TempDir())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s still exists: %v", path, err)
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
	if strings.TrimSpace(string(comm)) != "implant" {
		t.Errorf("comm %q", comm)
	}
}

// TestIntegrationTraffic checks the TCP helpers: connections closed first
// by a stay in TIME_WAIT on a's side, and a stream carries data until its
// context ends.
func TestIntegrationTraffic(t *testing.T) {
	l := New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, LinkConfig{A: Prefixes("198.18.0.1/24"), B: Prefixes("198.18.0.2/24")})
	dst := netip.MustParseAddrPort("198.18.0.2:9000")
	b.Sink(dst)
	if err := a.OpenAndClose(dst, 20); err != nil {
		t.Fatal(err)
	}
	testkit.Poll(t, "20 sockets in TIME_WAIT on a", testkit.Guard, 20*time.Millisecond, func() (string, bool) {
		out := a.MustRun("ss", "-Htan", "state", "time-wait")
		return out, strings.Count(out, "\n") == 20
	})
	s := a.StartStream(dst)
	testkit.WaitFor(t, "the stream to send", time.Millisecond, func() bool { return s.Sent() > 0 })
	sent, err := s.Stop()
	if err != nil || sent == 0 {
		t.Errorf("stream sent %d bytes: %v", sent, err)
	}
}

// TestIntegrationStartTcpdumpAs checks that a capture can pass for another
// program: /proc names the copy.
func TestIntegrationStartTcpdumpAs(t *testing.T) {
	l := New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, LinkConfig{})
	cmd := a.StartTcpdumpAs("dhclient", "-i", "eth0", "-n", "-w", "/dev/null")
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
	if strings.TrimSpace(string(comm)) != "dhclient" {
		t.Errorf("comm %q, want dhclient", comm)
	}
	if out := a.MustRun("ip", "-d", "link", "show", "eth0"); !strings.Contains(out, "promiscuity 1") {
		t.Errorf("eth0 not promiscuous under the capture:\n%s", out)
	}
}

// TestIntegrationHostCleanup checks that the host behaviours end with the
// lab: no flapper, listener or stream goroutine left, no copied program
// left in the temporary folder.
func TestIntegrationHostCleanup(t *testing.T) {
	t.Run("first", func(t *testing.T) { New(t) }) // starts the signal handler
	before := runtime.NumGoroutine()
	var dirs []string
	t.Run("lab", func(t *testing.T) {
		l := New(t)
		a, b := l.Node("a"), l.Node("b")
		l.Connect(a, b, LinkConfig{A: Prefixes("198.18.0.1/24"), B: Prefixes("198.18.0.2/24")})
		dst := netip.MustParseAddrPort("198.18.0.2:9000")
		b.Sink(dst)
		a.StartStream(dst)
		b.Flap("eth0", 50*time.Millisecond)
		_, path := a.StartDeleted("sleep", "implant", "600")
		td := a.StartTcpdumpAs("dhclient", "-i", "lo", "-n", "-w", "/dev/null")
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", td.Process.Pid))
		dirs = []string{filepath.Dir(path), filepath.Dir(exe)}
	})
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists after clean-up (%v)", d, err)
		}
	}
	testkit.WaitGoroutines(t, before)
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/privs"
)

// TestIntegrationCapabilitiesDropped: ping and trace, run as root, hold no
// capability on any thread once their first line is out (the sockets are
// open by then), and their sockets keep working without them.
func TestIntegrationCapabilitiesDropped(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	t4 := p.Target4().String()
	// The target drops UDP and TCP probes: trace waits on hop 2 after
	// printing hop 1, so it is still running when its threads are read.
	p.Dst.Fault(netlab.Input, "ip protocol { udp, tcp } drop")

	// The way most users run it: a binary with the file capability
	// cap_net_raw+ep (intervals below 200 ms need the raw socket), run by
	// an ordinary user.
	capBin := filepath.Join(filepath.Dir(netdxBinary(t)), "netdx-cap")
	if out, err := exec.Command("cp", netdxBinary(t), capBin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if out, err := exec.Command("setcap", "cap_net_raw+ep", capBin).CombinedOutput(); err != nil {
		t.Fatalf("setcap (package libcap2-bin): %v %s", err, out)
	}
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", capBin}

	for _, tc := range []struct {
		name string
		argv []string
		want string // in the output after the check
	}{
		{"ping", []string{netdxBinary(t), "ping", "-c", "20", "-i", "0.05", t4}, "20 received, 0% packet loss"},
		{"trace", []string{netdxBinary(t), "trace", "-n", "-q", "1", "-m", "2", "-w", "1", t4}, " 2  *"},
		{"ping setcap", append(nobody, "ping", "-c", "20", "-i", "0.05", t4), "20 received, 0% packet loss"},
		{"trace setcap", append(nobody, "trace", "-n", "-P", "tcp", "-q", "1", "-m", "2", "-w", "1", t4), " 2  *"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := p.Src.Command(ctx, tc.argv[0], tc.argv[1:]...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var errb strings.Builder
			cmd.Stderr = &errb
			if err := p.Src.Start(cmd); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			lines := 1
			if strings.HasPrefix(tc.name, "trace") {
				lines = 2 // header, then hop 1
			}
			var out strings.Builder
			for i := 0; i < lines && sc.Scan(); i++ {
				out.WriteString(sc.Text() + "\n")
			}
			// ip netns exec and setpriv exec netdx in place: same pid.
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid)); !strings.HasPrefix(string(comm), "netdx") {
				t.Fatalf("pid %d is %q, not netdx (output so far %q)", cmd.Process.Pid, comm, out.String())
			}
			caps, err := privs.Threads(cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			for tid, c := range caps {
				if c != (privs.Caps{}) {
					t.Errorf("thread %d of netdx %s keeps %+v after %q", tid, tc.name, c, out.String())
				}
			}
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
			}
			err = cmd.Wait()
			if !strings.Contains(out.String(), tc.want) || strings.Contains(errb.String(), "warning") {
				t.Errorf("netdx %s: %v, want %q in\n%s%s", tc.name, err, tc.want, out.String(), errb.String())
			}
		})
	}
}

package sockets

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"netdx/internal/netlab"
)

// TestIntegrationUnprivilegedOwners lists sockets as user nobody inside a
// lab namespace where root runs a telnet listener: the socket is listed,
// its owner is not visible, and the scan says how many owners it could
// not see.
func TestIntegrationUnprivilegedOwners(t *testing.T) {
	l := netlab.New(t)
	a := l.Node("a")
	start(t, a, "ncat", "-l", "-k", "23")
	a.WaitListening(23)

	bin := copyTestBinary(t)
	cmd := a.Command(context.Background(), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		bin, "-test.run=^TestUnprivilegedHelper$")
	cmd.Env = append(os.Environ(), "NETDX_HELPER=owners")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper as nobody: %v\n%s", err, out)
	}
	var tab Table
	if err := json.Unmarshal(out, &tab); err != nil {
		t.Fatalf("helper output: %v\n%s", err, out)
	}
	found := false
	for _, s := range tab.Sockets {
		if s.Local == "0.0.0.0:23" || s.Local == "[::]:23" {
			found = true
			if s.PID != 0 || s.User != "root" || s.Cleartext != "telnet" {
				t.Errorf("as nobody: %+v, want root's telnet listener without a visible owner", s)
			}
		}
	}
	if !found {
		t.Errorf("as nobody the listener on 23 is not listed: %+v", tab.Sockets)
	}
	if tab.Owners == nil || tab.Owners.Unreadable == 0 || tab.Owners.Unowned == 0 {
		t.Errorf("owner scan as nobody %+v: want unreadable processes and unowned sockets counted", tab.Owners)
	}
}

// TestUnprivilegedHelper is the child of TestIntegrationUnprivilegedOwners.
func TestUnprivilegedHelper(t *testing.T) {
	if os.Getenv("NETDX_HELPER") != "owners" {
		t.Skip("helper process only")
	}
	tab, err := List(context.Background(), withConfig(func(c *Config) { c.Owners = true }))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(tab); err != nil {
		t.Fatal(err)
	}
	os.Exit(0) // no PASS line after the JSON
}

// copyTestBinary copies the test binary where user nobody may run it.
func copyTestBinary(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "netdx-sockets-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "sockets.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

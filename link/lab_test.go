package link

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// startTcpdump runs tcpdump on iface inside n (promiscuous unless
// promisc is false: tcpdump -p), writing nothing, until the lab ends.
func startTcpdump(t *testing.T, n *netlab.Node, iface string, promisc bool) *exec.Cmd {
	t.Helper()
	args := []string{"-i", iface, "-n", "-w", "/dev/null"}
	if !promisc {
		args = append(args, "-p")
	}
	return n.StartTcpdump(args...)
}

// promiscuity is what "ip -d link" says of iface in n.
func promiscuity(t *testing.T, n *netlab.Node, iface string) int {
	t.Helper()
	var links []struct {
		Promiscuity int `json:"promiscuity"`
	}
	if err := json.Unmarshal([]byte(n.MustRun("ip", "-d", "-j", "link", "show", "dev", iface)), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -d -j link show dev %s: %v", iface, err)
	}
	return links[0].Promiscuity
}

// waitPromisc waits until iface's promiscuity counter is want.
func waitPromisc(t *testing.T, n *netlab.Node, iface string, want int) {
	t.Helper()
	testkit.Poll(t, fmt.Sprintf("%s's promiscuity to be %d", iface, want), testkit.Guard, 50*time.Millisecond, func() (int, bool) {
		p := promiscuity(t, n, iface)
		return p, p == want
	})
}

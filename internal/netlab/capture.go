package netlab

import (
	"bufio"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Capture runs fn while tcpdump records what reaches the node's interface
// iface (matching the pcap filter), and returns tcpdump's reading of the
// capture: `tcpdump -n -v -x -r`, each packet's lines above its bytes, the
// form testdata fixtures keep (internal/fixture reads them).
func (n *Node) Capture(iface, filter string, fn func()) string {
	n.lab.tb.Helper()
	pcap := filepath.Join(n.lab.tb.TempDir(), "capture.pcap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := n.Command(ctx, "tcpdump", "--immediate-mode", "-n", "-U", "-i", iface, "-w", pcap, filter)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	if err := n.Start(cmd); err != nil {
		n.lab.tb.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	fn()
	time.Sleep(300 * time.Millisecond) // what fn drew is on its way
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	_ = cmd.Wait()
	out, err := n.Run(context.Background(), "tcpdump", "-n", "-v", "-x", "-r", pcap)
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "reading from file") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

package netlab

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netns"

	"netdx/internal/namespace"
	"netdx/internal/testkit"
)

// Node is a host or router: one network namespace.
type Node struct {
	lab  *Lab
	name string // short name given by the test
	ns   string // namespace name

	addrs    []netip.Prefix // addresses on its links, in creation order
	nextIf   int
	faults   faultSet
	counters int // counters made by Count
}

// Node creates a namespace for a host or router called name (short, unique
// in the lab), with loopback up and a resolver on 127.0.0.1 so that no name
// lookup made inside it ever leaves the lab.
func (l *Lab) Node(name string) *Node {
	l.tb.Helper()
	n := &Node{lab: l, name: name, ns: l.prefix + name}
	l.mu.Lock()
	l.nodes = append(l.nodes, n)
	l.mu.Unlock()

	etc := filepath.Join(etcNetns, n.ns)
	if err := os.MkdirAll(etc, 0o755); err != nil {
		l.tb.Fatalf("netlab: %v", err)
	}
	files := map[string]string{
		"resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
		"hosts":       "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(etc, f), []byte(content), 0o644); err != nil {
			l.tb.Fatalf("netlab: %v", err)
		}
	}
	l.mustIP("netns", "add", n.ns)
	n.MustRun("ip", "link", "set", "lo", "up")
	// Keep the namespace quiet: no router solicitations or DAD delays.
	n.Sysctl("net.ipv6.conf.default.accept_dad", "0")
	n.Sysctl("net.ipv6.conf.all.accept_dad", "0")
	return n
}

// Name is the short name the test gave the node.
func (n *Node) Name() string { return n.name }

// Namespace is the network namespace's name, for "ip netns exec".
func (n *Node) Namespace() string { return n.ns }

// Addrs returns the node's addresses in the order its links were made.
func (n *Node) Addrs() []netip.Prefix { return append([]netip.Prefix(nil), n.addrs...) }

// Addr4 is the node's first IPv4 address; Addr6 its first IPv6 address.
func (n *Node) Addr4() netip.Addr { return n.firstAddr(true) }

// Addr6 is the node's first IPv6 address.
func (n *Node) Addr6() netip.Addr { return n.firstAddr(false) }

func (n *Node) firstAddr(v4 bool) netip.Addr {
	for _, p := range n.addrs {
		if p.Addr().Is4() == v4 {
			return p.Addr()
		}
	}
	n.lab.tb.Fatalf("netlab: node %s has no IPv%d address", n.name, map[bool]int{true: 4, false: 6}[v4])
	return netip.Addr{}
}

// Command returns a command that runs inside the node's namespace, in its
// own process group. Start it with the lab's Start to have it killed at
// clean-up, or run it to completion yourself.
func (n *Node) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.ns, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// Run runs a command in the namespace and returns its combined output.
func (n *Node) Run(ctx context.Context, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := n.Command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("netlab: %s: %s %s: %w: %s", n.name, name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), err
}

// MustRun is Run that fails the test on error.
func (n *Node) MustRun(name string, args ...string) string {
	n.lab.tb.Helper()
	out, err := n.Run(context.Background(), name, args...)
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	return out
}

// Start starts cmd (made by Command) and has the lab kill it and its
// children at clean-up. It returns once the process is inside the node's
// namespace ("ip netns exec" switches only after it starts), so that
// /proc/PID/net and the process's sockets are the node's from then on.
func (n *Node) Start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("netlab: %s: start %s: %w", n.name, cmd.Path, err)
	}
	n.lab.mu.Lock()
	n.lab.procs = append(n.lab.procs, cmd)
	n.lab.mu.Unlock()
	want, err := os.Stat(filepath.Join(netnsDir, n.ns))
	if err != nil {
		return fmt.Errorf("netlab: %s: %w", n.name, err)
	}
	self := fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		got, err := os.Stat(self)
		if err != nil || os.SameFile(got, want) {
			return nil // gone already, or in
		}
	}
	return fmt.Errorf("netlab: %s: %s did not enter the namespace in 10 s", n.name, cmd.Path)
}

// WaitListening waits until something in the node listens on TCP port,
// and fails the test if nothing does within testkit.Guard.
func (n *Node) WaitListening(port int) {
	n.lab.tb.Helper()
	testkit.WaitFor(n.lab.tb, fmt.Sprintf("netlab: %s: a listener on TCP port %d", n.name, port), 10*time.Millisecond, func() bool {
		out, _ := n.Run(context.Background(), "ss", "-Htln", "sport", "= :"+strconv.Itoa(port))
		return strings.Contains(out, "LISTEN")
	})
}

// StartTcpdump starts tcpdump with args in the namespace, as Start does,
// and returns once tcpdump says "listening on": its capture socket is bound
// and promiscuous mode (unless -p) is on. Before that, the socket exists
// but is not yet bound to a protocol or joined to promiscuous mode.
func (n *Node) StartTcpdump(args ...string) *exec.Cmd {
	n.lab.tb.Helper()
	return n.startCapture("tcpdump", args...)
}

// StartTcpdumpAs is StartTcpdump with tcpdump copied to a temporary
// folder as name: a capture that looks like another program (a DHCP
// client, an implant) to anyone reading /proc.
func (n *Node) StartTcpdumpAs(name string, args ...string) *exec.Cmd {
	n.lab.tb.Helper()
	return n.startCapture(n.copyProgram("tcpdump", name), args...)
}

func (n *Node) startCapture(prog string, args ...string) *exec.Cmd {
	n.lab.tb.Helper()
	cmd := n.Command(context.Background(), prog, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		n.lab.tb.Fatal(err)
	}
	if err := n.Start(cmd); err != nil {
		n.lab.tb.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var said strings.Builder
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "listening on") {
				listening <- ""
				_, _ = io.Copy(io.Discard, stderr) // until it exits
				return
			}
		}
		listening <- said.String()
	}()
	select {
	case said := <-listening:
		if said != "" {
			n.lab.tb.Fatalf("netlab: %s: tcpdump %s ended before listening: %s", n.name, strings.Join(args, " "), said)
		}
	case <-time.After(10 * time.Second):
		n.lab.tb.Fatalf("netlab: %s: tcpdump %s not listening after 10 s", n.name, strings.Join(args, " "))
	}
	return cmd
}

// Sysctl sets a sysctl (dotted name) inside the namespace.
func (n *Node) Sysctl(key, value string) {
	n.lab.tb.Helper()
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	n.MustRun("sh", "-c", `echo "$1" > "$2"`, "sh", value, path)
}

// Forwarding turns IPv4 and IPv6 forwarding on: the node becomes a router.
func (n *Node) Forwarding() {
	n.Sysctl("net.ipv4.ip_forward", "1")
	n.Sysctl("net.ipv6.conf.all.forwarding", "1")
}

// Route adds a route to dst via gw inside the namespace.
func (n *Node) Route(dst netip.Prefix, gw netip.Addr) {
	n.lab.tb.Helper()
	fam := "-4"
	if dst.Addr().Is6() {
		fam = "-6"
	}
	n.MustRun("ip", fam, "route", "replace", dst.String(), "via", gw.String())
}

// DefaultRoute makes gw the default gateway for its address family.
func (n *Node) DefaultRoute(gw netip.Addr) {
	if gw.Is4() {
		n.Route(netip.MustParsePrefix("0.0.0.0/0"), gw)
		return
	}
	n.Route(netip.MustParsePrefix("::/0"), gw)
}

// Do runs fn on an OS thread that has entered the node's namespace. Sockets
// and netlink handles opened inside fn belong to the namespace and may be used
// from any goroutine afterwards; goroutines started inside fn do not inherit
// the namespace.
func (n *Node) Do(fn func() error) error {
	return namespace.Do(filepath.Join(netnsDir, n.ns), fn)
}

// NetNS opens a handle on the node's namespace (for netlink.NewHandleAt);
// the caller closes it.
func (n *Node) NetNS() (netns.NsHandle, error) {
	h, err := netns.GetFromName(n.ns)
	if err != nil {
		return h, fmt.Errorf("netlab: netns %s: %w", n.ns, err)
	}
	return h, nil
}

func (l *Lab) mustIP(args ...string) {
	l.tb.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.tb.Fatalf("netlab: ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
}

package sockets

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// TestIntegrationTelnetListener: ncat listening on port 23 inside a
// namespace is found with its pid and process name and flagged as the
// cleartext telnet service.
func TestIntegrationTelnetListener(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	ncat := start(t, b, "ncat", "-l", "-k", "23")
	start(t, b, "ncat", "-l", "-k", "2222") // not in the catalogue
	b.WaitListening(23)
	b.WaitListening(2222)

	tab, err := List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.Owners = nsPath(b), true }))
	if err != nil {
		t.Fatal(err)
	}
	var telnet, other int
	for _, s := range tab.Sockets {
		switch s.LocalAddr.Port() {
		case 23:
			telnet++
			if s.State != "LISTEN" || s.PID != ncat.Process.Pid || s.Process != "ncat" || s.User != "root" {
				t.Errorf("telnet listener %+v, want LISTEN by ncat[%d] as root", s, ncat.Process.Pid)
			}
			if s.Cleartext != "telnet" || !strings.Contains(s.Alternative, "ssh") {
				t.Errorf("telnet listener flagged %q (%q)", s.Cleartext, s.Alternative)
			}
		case 2222:
			other++
			if s.Cleartext != "" {
				t.Errorf("port 2222 flagged %q", s.Cleartext)
			}
		}
	}
	if telnet == 0 || other == 0 {
		t.Errorf("sockets %+v: want listeners on 23 and 2222", tab.Sockets)
	}
	if tab.Owners == nil || tab.Owners.Unowned != 0 {
		t.Errorf("owner scan %+v: every listener has an owner", tab.Owners)
	}
	// The filters: by pid, by port.
	tab, err = List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.PIDs = nsPath(b), []int{ncat.Process.Pid} }))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tab.Sockets {
		if s.PID != ncat.Process.Pid {
			t.Errorf("--pid %d kept %+v", ncat.Process.Pid, s)
		}
	}
	if len(tab.Sockets) == 0 {
		t.Error("--pid kept nothing")
	}
}

// TestIntegrationMatchesSS compares the whole socket table of a namespace
// with established, listening, TIME_WAIT and UDP sockets against ss.
func TestIntegrationMatchesSS(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	var lns []net.Listener
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	err := a.Do(func() error {
		for _, addr := range []string{"198.18.0.1:8080", "[2001:db8::1]:8443"} {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			lns = append(lns, ln)
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
				}
			}()
		}
		u, err := net.ListenPacket("udp", "198.18.0.1:5353")
		if err != nil {
			return err
		}
		t.Cleanup(func() { u.Close() })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
	})
	// Connections from b; a few closed by a's side make TIME_WAIT in b...
	// and some closed by b's side make TIME_WAIT in a.
	for i := range 6 {
		dst := "198.18.0.1:8080"
		if i%2 == 1 {
			dst = "[2001:db8::1]:8443"
		}
		var c net.Conn
		if err := b.Do(func() (err error) { c, err = net.DialTimeout("tcp", dst, 5*time.Second); return err }); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			c.Close()
		} else {
			t.Cleanup(func() { c.Close() })
		}
	}
	// A List between two readings of ss that agree: the closings are
	// over and nothing moved.
	type reading struct {
		tab   Table
		after []string
	}
	r := testkit.Poll(t, "the socket table to stand still around a List", testkit.Guard, 10*time.Millisecond, func() (reading, bool) {
		before := ssTable(t, a)
		tab, err := List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.All = nsPath(a), true }))
		if err != nil {
			t.Fatal(err)
		}
		after := ssTable(t, a)
		return reading{tab, after}, strings.Join(before, "\n") == strings.Join(after, "\n")
	})
	tab, after := r.tab, r.after
	var got []string
	for _, s := range tab.Sockets {
		got = append(got, strings.Join([]string{s.Proto, ssState(s.State), ssForm(s.Local), ssForm(s.Remote)}, " "))
	}
	slicesSort(got)
	if strings.Join(got, "\n") != strings.Join(after, "\n") {
		t.Errorf("netdx:\n%s\nss:\n%s", strings.Join(got, "\n"), strings.Join(after, "\n"))
	}
	if n := tab.States["tcp"]["ESTABLISHED"]; n < 3 {
		t.Errorf("states %v", tab.States)
	}
}

func ssTable(t *testing.T, n *netlab.Node) []string {
	out := dropNoise(n.MustRun("ss", "-Htuan"))
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 {
			rows = append(rows, strings.Join([]string{f[0], f[1], f[4], f[5]}, " "))
		}
	}
	slicesSort(rows)
	return rows
}

func slicesSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestIntegrationRoutes lists the gateways of a host on a chain and flags
// the one not in the allowed list.
func TestIntegrationRoutes(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	allowed := []netip.Addr{p.Hop4(1)} // the v4 gateway only
	tab, err := List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.Routes, c.AllowedGateways = nsPath(p.Src), true, allowed }))
	if err != nil {
		t.Fatal(err)
	}
	var v4, v6 *Route
	for i, r := range tab.Routes {
		switch {
		case r.Default && r.Family == "ipv4":
			v4 = &tab.Routes[i]
		case r.Default && r.Family == "ipv6":
			v6 = &tab.Routes[i]
		}
	}
	if v4 == nil || v4.Gateway != p.Hop4(1).String() || v4.Interface != "eth0" || v4.Unexpected {
		t.Errorf("v4 default %+v, want via %s on eth0, expected", v4, p.Hop4(1))
	}
	if v6 == nil || v6.Gateway != p.Hop6(1).String() || !v6.Unexpected {
		t.Errorf("v6 default %+v, want via %s, unexpected", v6, p.Hop6(1))
	}
}

// TestIntegrationTimeWaitPileup closes many connections from one side and
// checks that the TIME_WAIT sockets are counted with the remote end, the
// endpoint that holds the local ports, and the sysctls of the namespace
// (set apart from the host's defaults, so that they must come from inside).
func TestIntegrationTimeWaitPileup(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	a.Sysctl("net.ipv4.ip_local_port_range", "41000 41999")
	a.Sysctl("net.ipv4.tcp_tw_reuse", "0")
	a.Sysctl("net.ipv4.tcp_max_tw_buckets", "3000")
	var ln net.Listener
	if err := b.Do(func() (err error) { ln, err = net.Listen("tcp", "198.18.0.2:8080"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { buf := make([]byte, 1); _, _ = c.Read(buf); c.Close() }()
		}
	}()
	err := a.Do(func() error {
		for range 60 {
			c, err := net.DialTimeout("tcp", "198.18.0.2:8080", 5*time.Second)
			if err != nil {
				return err
			}
			c.Close() // a closes first: a holds the TIME_WAIT
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The last connections leave FIN_WAIT once b has closed its end.
	var tab Table
	waitFor(t, "60 sockets in TIME_WAIT", func() bool {
		var err error
		tab, err = List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.Protos = nsPath(a), []string{"tcp"} }))
		if err != nil {
			t.Fatal(err)
		}
		return tab.States["tcp"]["TIME_WAIT"] == 60
	})
	tw := tab.TimeWait
	if tw == nil || tw.Count != 60 || tw.TopRemote != "198.18.0.2" || tw.TopRemoteCount != 60 ||
		tw.Outgoing != 60 || tw.TopEndpoint != "198.18.0.2:8080" || tw.TopEndpointCount != 60 {
		t.Errorf("time wait %+v (states %v), want 60 to 198.18.0.2:8080, all outgoing", tw, tab.States)
	}
	if tw != nil && (tw.Sysctls == nil || *tw.Sysctls != (TimeWaitSysctls{MaxBuckets: 3000, Reuse: 0, PortLow: 41000, PortHigh: 41999})) {
		t.Errorf("sysctls %+v, want the namespace's own", tw.Sysctls)
	}
	if len(tab.Sockets) != 0 {
		t.Errorf("listeners only by default, got %+v", tab.Sockets)
	}
}

// TestIntegrationCapture finds tcpdump's capture socket with its owner.
func TestIntegrationCapture(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{})
	td := a.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
	var caps Captures
	waitFor(t, "tcpdump's socket", func() bool {
		var err error
		caps, err = Capture(context.Background(), CaptureConfig{NetNS: nsPath(a)})
		return err == nil && len(caps.Sockets) == 1 && caps.Sockets[0].PID != 0
	})
	c := caps.Sockets[0]
	if c.PID != td.Process.Pid || c.Process != "tcpdump" || c.Interface != "eth0" || !c.Promisc || c.Protocol != "all" {
		t.Errorf("capture socket %+v, want tcpdump[%d] on eth0, promiscuous", c, td.Process.Pid)
	}
	// The same through List, owners from the same scan as the TCP sockets.
	tab, err := List(context.Background(), withConfig(func(c *Config) { c.NetNS, c.Capture, c.Owners = nsPath(a), true, true }))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.CaptureSockets) != 1 || tab.CaptureSockets[0].PID != td.Process.Pid || tab.CaptureSockets[0].Interface != "eth0" || tab.CaptureSource != "packet_diag" {
		t.Errorf("List capture sockets %+v from %q", tab.CaptureSockets, tab.CaptureSource)
	}
}

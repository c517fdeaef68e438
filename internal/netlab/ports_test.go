package netlab

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netdx/internal/testkit"
)

// dialTCP connects from n to dst and closes the connection at once.
func dialTCP(n *Node, dst netip.AddrPort, timeout time.Duration) error {
	return n.Do(func() error {
		c, err := net.DialTimeout("tcp", dst.String(), timeout)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// timedOut reports whether err is a timeout: nothing answered.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// udpAnswer sends one datagram from n to dst on a connected socket and
// waits up to wait for an answer: nil for a datagram back,
// ECONNREFUSED for a port unreachable, a timeout for silence.
func udpAnswer(n *Node, dst netip.AddrPort, wait time.Duration) error {
	var c net.Conn
	if err := n.Do(func() (err error) { c, err = net.Dial("udp", dst.String()); return err }); err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("netlab")); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := c.Read(make([]byte, 64))
	return err
}

// snmp reads the node's /proc/net/snmp and snmp6 counters, keyed as snmp6
// names them ("UdpNoPorts", "IcmpOutDestUnreachs", "Udp6NoPorts").
func snmp(t *testing.T, n *Node) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	lines := strings.Split(n.MustRun("cat", "/proc/net/snmp"), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		keys, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		for j := 1; j < len(keys) && j < len(vals); j++ {
			v, _ := strconv.ParseUint(vals[j], 10, 64)
			out[strings.TrimSuffix(keys[0], ":")+keys[j]] = v
		}
	}
	for _, line := range strings.Split(n.MustRun("cat", "/proc/net/snmp6"), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			v, _ := strconv.ParseUint(f[1], 10, 64)
			out[f[0]] = v
		}
	}
	return out
}

// TestIntegrationEchoFiltered checks a target that filters ping but
// serves TCP: echo requests reach it and go unanswered (v4 and v6), a
// served port connects, a closed one resets at once, a filtered one
// leaves the connection attempt to time out.
func TestIntegrationEchoFiltered(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 1, NoICMPRateLimit: true})
	p.Dst.ServeTCP(22)
	p.Dst.FilterTCP(Input, Port(80))
	echoes := p.Dst.Count(Input, "icmp type echo-request")
	echoes6 := p.Dst.Count(Input, "icmpv6 type echo-request")
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		if loss, _, _ := pingStats(t, p.Src, "-n", "-c", "2", "-i", "0.2", "-W", "5", target.String()); loss != 0 {
			t.Fatalf("%s: %.0f%% loss before the filter", target, loss)
		}
	}
	p.Dst.FilterEcho()
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		if loss, _, _ := pingStats(t, p.Src, "-n", "-c", "3", "-i", "0.1", "-W", "1", target.String()); loss != 100 {
			t.Errorf("%s: %.0f%% loss of echo requests to a target that filters them, want 100%%", target, loss)
		}
		if err := dialTCP(p.Src, netip.AddrPortFrom(target, 22), 10*time.Second); err != nil {
			t.Errorf("%s: open port 22: %v", target, err)
		}
		if err := dialTCP(p.Src, netip.AddrPortFrom(target, 443), 10*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: closed port 443: %v, want connection refused (a reset)", target, err)
		}
		if err := dialTCP(p.Src, netip.AddrPortFrom(target, 80), 500*time.Millisecond); !timedOut(err) {
			t.Errorf("%s: filtered port 80: %v, want a timeout", target, err)
		}
	}
	// Both families' requests arrived (2 before the filter, 3 after):
	// the target saw them and did not answer.
	if got4, got6 := echoes.Packets(), echoes6.Packets(); got4 != 5 || got6 != 5 {
		t.Errorf("echo requests reaching the target: %d IPv4, %d IPv6; want 5 each", got4, got6)
	}
}

// TestIntegrationDropInput checks a target that answers nothing: before,
// it answers ping, TCP and UDP (v4 and v6); after, none of them, though
// its router still finds it on the link (ARP, neighbour discovery).
func TestIntegrationDropInput(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 1, NoICMPRateLimit: true})
	p.Dst.ServeTCP(22)
	// Wait long where an answer is due, briefly where silence is.
	check := func(answers bool) {
		t.Helper()
		wait := 500 * time.Millisecond
		if answers {
			wait = 5 * time.Second
		}
		for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
			loss, _, _ := pingStats(t, p.Src, "-n", "-c", "1", "-W", strconv.Itoa(int(wait.Seconds()+0.5)), target.String())
			tcp := dialTCP(p.Src, netip.AddrPortFrom(target, 22), wait)
			udp := udpAnswer(p.Src, netip.AddrPortFrom(target, 33434), wait)
			if answers && (loss != 0 || tcp != nil || !errors.Is(udp, syscall.ECONNREFUSED)) {
				t.Fatalf("%s before DropInput: ping loss %.0f%%, tcp %v, udp %v; want answers", target, loss, tcp, udp)
			}
			if !answers && (loss != 100 || !timedOut(tcp) || !errors.Is(udp, os.ErrDeadlineExceeded)) {
				t.Errorf("%s: ping loss %.0f%%, tcp %v, udp %v; want silence", target, loss, tcp, udp)
			}
		}
	}
	check(true)
	p.Dst.DropInput()
	r1 := p.Routers[0]
	r1.MustRun("ip", "neigh", "flush", "all")
	check(false)
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		testkit.WaitFor(t, "r1 to find "+target.String()+" on its link", 10*time.Millisecond, func() bool {
			out := r1.MustRun("ip", "neigh", "show", target.String())
			return strings.Contains(out, "REACHABLE") || strings.Contains(out, "STALE")
		})
	}
}

// TestIntegrationRejectTraceroutePorts checks a router that answers UDP
// to traceroute's ports with admin-prohibited while it forwards ping:
// traceroute ends at it with !X, ping and an ICMP traceroute reach the
// target.
func TestIntegrationRejectTraceroutePorts(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 3, NoICMPRateLimit: true})
	p.Routers[1].RejectUDP(Forward, TraceroutePorts, AdminProhibited)
	for _, c := range []struct {
		target, r2 netip.Addr
		fam        string
	}{{p.Target4(), p.Hop4(2), "-4"}, {p.Target6(), p.Hop6(2), "-6"}} {
		out, _ := p.Src.Run(context.Background(), "traceroute", c.fam, "-n", "-q", "1", "-w", "1", c.target.String())
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if len(lines) != 4 || !strings.Contains(last, c.r2.String()) || !strings.HasSuffix(last, "!X") {
			t.Errorf("%s: UDP traceroute should end at hop 3 with %s !X:\n%s", c.target, c.r2, out)
		}
		out, _ = p.Src.Run(context.Background(), "traceroute", c.fam, "-I", "-n", "-q", "1", "-w", "1", c.target.String())
		if lines := strings.Split(strings.TrimSpace(out), "\n"); !strings.Contains(lines[len(lines)-1], c.target.String()) {
			t.Errorf("%s: ICMP traceroute should reach the target:\n%s", c.target, out)
		}
		if loss, _, _ := pingStats(t, p.Src, "-n", "-c", "20", "-i", "0.01", "-W", "1", c.target.String()); loss != 0 {
			t.Errorf("%s: %.0f%% ping loss through a router that rejects only UDP", c.target, loss)
		}
	}
}

// TestIntegrationTargetPortUnreachableLimit checks the target's ICMP rate
// limit on port unreachables: with Linux's defaults it answers only some
// of a quick run of UDP datagrams to a closed port (v4 and v6); without
// limits, every one.
func TestIntegrationTargetPortUnreachableLimit(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 1, NoICMPRateLimit: true, TargetICMPRateLimit: true})
	const count = 200
	// send sends count datagrams to a closed port of target and returns
	// how many reached it and how many it answered.
	send := func(target netip.Addr) (received, answered uint64) {
		t.Helper()
		keys := [2]string{"UdpNoPorts", "IcmpOutDestUnreachs"}
		if target.Is6() {
			keys = [2]string{"Udp6NoPorts", "Icmp6OutDestUnreachs"}
		}
		before := snmp(t, p.Dst)
		err := p.Src.Do(func() error {
			c, err := net.ListenUDP("udp", nil)
			if err != nil {
				return err
			}
			defer c.Close()
			for range count {
				if _, err := c.WriteToUDPAddrPort([]byte("netlab"), netip.AddrPortFrom(target, 33434)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var after map[string]uint64
		testkit.WaitFor(t, "the datagrams to reach the target", 10*time.Millisecond, func() bool {
			after = snmp(t, p.Dst)
			return after[keys[0]]-before[keys[0]] >= count
		})
		return after[keys[0]] - before[keys[0]], after[keys[1]] - before[keys[1]]
	}
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		got, answered := send(target)
		t.Logf("%s, Linux's default limits: %d of %d port unreachables sent", target, answered, got)
		if answered == 0 || answered >= got/2 {
			t.Errorf("%s: the target answered %d of %d datagrams to a closed port, want a few (rate-limited)", target, answered, got)
		}
	}
	p.Dst.NoICMPRateLimit()
	for _, target := range []netip.Addr{p.Target4(), p.Target6()} {
		if got, answered := send(target); answered != got {
			t.Errorf("%s without limits: the target answered %d of %d datagrams to a closed port", target, answered, got)
		}
	}
}

package check

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"netdx/diagnose"
	"netdx/internal/netlab"
	"netdx/internal/testkit"
	"netdx/link"
)

func nsPath(n *netlab.Node) string { return "/run/netns/" + n.Namespace() }

func linkNamed(t *testing.T, ev diagnose.LinkEvidence, name string) diagnose.Interface {
	t.Helper()
	for _, l := range ev.Links {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no interface %s in %+v", name, ev.Links)
	return diagnose.Interface{}
}

// TestIntegrationLinkCaptures: tcpdump raises eth0's promiscuity counter
// but not the PROMISC flag; the link check finds its capture socket and
// its pid, and the socket explains the counter. A tcpdump -p on lo is
// found too, and is not promiscuous. WatchLink reads the sockets with
// every sample.
func TestIntegrationLinkCaptures(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	// StartTcpdump returns once tcpdump listens: its socket is bound and
	// promiscuous mode is on.
	sniff := a.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
	quiet := a.StartTcpdump("-i", "lo", "-n", "-w", "/dev/null", "-p")

	ev, err := Link(context.Background(), LinkConfig{Link: link.Config{NetNS: nsPath(a)}})
	if err != nil {
		t.Fatal(err)
	}
	eth0 := linkNamed(t, ev, "eth0")
	if eth0.PromiscFlag || eth0.Promiscuity != 1 {
		t.Errorf("eth0: PROMISC flag %v promiscuity %d, want no flag and a counter of 1", eth0.PromiscFlag, eth0.Promiscuity)
	}
	if ev.CaptureSource != "packet_diag" || ev.Owners == nil {
		t.Errorf("capture sockets from %q, owner scan %+v", ev.CaptureSource, ev.Owners)
	}
	byPID := map[int]bool{}
	for _, c := range ev.CaptureSockets {
		switch c.PID {
		case sniff.Process.Pid:
			byPID[c.PID] = true
			if c.Process != "tcpdump" || c.Interface != "eth0" || !c.Promisc || !c.PromiscKnown {
				t.Errorf("sniffer socket %+v, want tcpdump on eth0 in promiscuous mode", c)
			}
		case quiet.Process.Pid:
			byPID[c.PID] = true
			if c.Interface != "lo" || c.Promisc {
				t.Errorf("tcpdump -p socket %+v, want lo, not promiscuous", c)
			}
		}
	}
	if len(byPID) != 2 {
		t.Errorf("capture sockets %+v: want both tcpdumps (pids %d, %d)", ev.CaptureSockets, sniff.Process.Pid, quiet.Process.Pid)
	}
	if p := eth0.Promisc; len(p.Captures) != 1 || p.Captures[0].PID != sniff.Process.Pid || p.Unexplained != 0 {
		t.Errorf("eth0 promiscuity explained as %+v", p)
	}

	stop := errors.New("one sample is enough")
	samples := 0
	err = WatchLink(context.Background(), LinkConfig{Link: link.Config{NetNS: nsPath(a), Interval: 20 * time.Millisecond, Interfaces: []string{"eth0"}}},
		func(ev diagnose.LinkEvidence) error {
			samples++
			if p := ev.Links[0].Promisc; len(ev.CaptureSockets) < 2 || len(p.Captures) != 1 || p.Unexplained != 0 || ev.Links[0].Rates == nil {
				t.Errorf("a watched sample: eth0 %+v, capture sockets %+v", ev.Links[0], ev.CaptureSockets)
			}
			return stop
		})
	if !errors.Is(err, stop) || samples != 1 {
		t.Errorf("WatchLink: %v after %d samples, want fn's error after one", err, samples)
	}
}

// TestIntegrationLinkWorst: a bulk transfer over a path that loses 10 %
// of it retransmits; with Top the link check lists its connection among
// the worst, with this test's process as the owner.
func TestIntegrationLinkWorst(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 10)
	target := netip.AddrPortFrom(p.Target4(), 5001)
	p.Dst.Sink(target)
	p.Src.StartStream(target)

	cfg := LinkConfig{Link: link.Config{NetNS: nsPath(p.Src)}, Top: 3, NoCaptures: true}
	var ev diagnose.LinkEvidence
	testkit.WaitFor(t, "a connection with retransmits", 50*time.Millisecond, func() bool {
		var err error
		if ev, err = Link(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return len(ev.Worst) > 0
	})
	w := ev.Worst[0]
	if w.Remote != target.String() || w.TCPInfo == nil || w.TCPInfo.TotalRetrans == 0 || len(ev.Worst) > 3 {
		t.Errorf("worst connections %+v, want the stream to %s first", ev.Worst, target)
	}
	if w.PID != os.Getpid() || ev.Owners == nil {
		t.Errorf("worst connection owned by %d (scan %+v), want this test (%d)", w.PID, ev.Owners, os.Getpid())
	}
	if len(ev.CaptureSockets) != 0 || ev.CaptureSource != "" {
		t.Errorf("NoCaptures read capture sockets: %+v from %q", ev.CaptureSockets, ev.CaptureSource)
	}
}

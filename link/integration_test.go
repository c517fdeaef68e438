package link

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

func nsPath(n *netlab.Node) string { return "/run/netns/" + n.Namespace() }

// TestIntegrationCountersMatchIP checks every counter of every interface
// against "ip -s -s -j link" run in the same namespace in the same moment
// (ip before and after agree, so nothing moved in between).
func TestIntegrationCountersMatchIP(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	a.MustRun("ping", "-c", "20", "-i", "0.01", "-s", "1200", "198.18.0.2")
	// Unanswered: ARP fails, ping counts errors.
	_, _ = a.Run(context.Background(), "ping", "-c", "3", "-i", "0.01", "198.18.0.9")
	// A Collect between two readings of ip that agree: nothing moved.
	type reading struct {
		snap  Snapshot
		after string
	}
	r := testkit.Poll(t, "ip's counters to stand still around a Collect", testkit.Guard, 100*time.Millisecond, func() (reading, bool) {
		before := a.MustRun("ip", "-s", "-s", "-d", "-j", "link")
		snap, err := Collect(context.Background(), Config{NetNS: nsPath(a), NoCaptures: true})
		if err != nil {
			t.Fatal(err)
		}
		after := a.MustRun("ip", "-s", "-s", "-d", "-j", "link")
		return reading{snap, after}, before == after
	})
	snap, after := r.snap, r.after
	var want []ipLink
	if err := json.Unmarshal([]byte(after), &want); err != nil {
		t.Fatal(err)
	}
	if len(snap.Links) != len(want) {
		t.Fatalf("%d links, ip shows %d", len(snap.Links), len(want))
	}
	for i, w := range want {
		if snap.Links[i].Name != w.Name {
			t.Fatalf("link %d is %s, ip says %s", i, snap.Links[i].Name, w.Name)
		}
		checkStats(t, snap.Links[i], w)
	}
	eth0 := snap.Links[1]
	if eth0.Stats.TxPackets < 20 || eth0.Stats.RxBytes < 20*1200 {
		t.Errorf("eth0 counters too small for 20 pings of 1200 bytes: %+v", eth0.Stats)
	}
}

func findLink(t *testing.T, s Snapshot, name string) Link {
	t.Helper()
	for _, l := range s.Links {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no link %s in %v", name, s.Links)
	return Link{}
}

// TestIntegrationTcpdumpFound: tcpdump raises eth0's promiscuity counter
// but not the PROMISC flag; netdx finds its socket, its pid and calls it a
// sniffer. A tcpdump -p on lo is found too, and is not promiscuous.
func TestIntegrationTcpdumpFound(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	sniff := startTcpdump(t, a, "eth0", true)
	quiet := startTcpdump(t, a, "lo", false)
	waitPromisc(t, a, "eth0", 1)

	// Both tcpdumps listen (startTcpdump waits): their sockets are open.
	snap, err := Collect(context.Background(), Config{NetNS: nsPath(a)})
	if err != nil {
		t.Fatal(err)
	}
	eth0 := findLink(t, snap, "eth0")
	if eth0.PromiscFlag || eth0.Promiscuity != 1 {
		t.Errorf("eth0: PROMISC flag %v promiscuity %d, want no flag and a counter of 1", eth0.PromiscFlag, eth0.Promiscuity)
	}
	if snap.CaptureSource != "packet_diag" {
		t.Errorf("capture sockets from %q", snap.CaptureSource)
	}
	byPID := map[int]bool{}
	for _, c := range snap.CaptureSockets {
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
		t.Errorf("capture sockets %+v: want both tcpdumps (pids %d, %d)", snap.CaptureSockets, sniff.Process.Pid, quiet.Process.Pid)
	}
	if len(eth0.Promisc.Captures) != 1 || eth0.Promisc.Captures[0].PID != sniff.Process.Pid || eth0.Promisc.Unexplained != 0 {
		t.Errorf("eth0 promiscuity explained as %+v", eth0.Promisc)
	}
}

// TestIntegrationPromiscFlag: "ip link set promisc on" sets the flag ifconfig
// shows; netdx reports it as explained by the flag (diagnose's rules make
// it a finding).
func TestIntegrationPromiscFlag(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{})
	a.MustRun("ip", "link", "set", "eth0", "promisc", "on")
	snap, err := Collect(context.Background(), Config{NetNS: nsPath(a)})
	if err != nil {
		t.Fatal(err)
	}
	eth0 := findLink(t, snap, "eth0")
	if !eth0.PromiscFlag || eth0.Promiscuity != 1 || eth0.Promisc.Unexplained != 0 || !slices.Contains(eth0.Flags, "promisc") {
		t.Errorf("eth0 flag %v counter %d flags %v promisc %+v", eth0.PromiscFlag, eth0.Promiscuity, eth0.Flags, eth0.Promisc)
	}
	if !eth0.Promisc.Flag || len(eth0.Promisc.ExplainedBy) != 1 || len(eth0.Promisc.Captures) != 0 {
		t.Errorf("eth0 promiscuity explained as %+v, want by the flag alone", eth0.Promisc)
	}
	if lo := findLink(t, snap, "lo"); lo.PromiscFlag || lo.Promiscuity != 0 || lo.Promisc.Flag || len(lo.Promisc.ExplainedBy) != 0 {
		t.Errorf("lo: %+v", lo)
	}
}

// TestIntegrationRetransmits sends data over a path that loses 10 % of it
// and checks the retransmit counters against the namespace's own
// /proc/net/snmp, and the connection among the worst offenders.
func TestIntegrationRetransmits(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 10)
	target := netip.AddrPortFrom(p.Target4(), 5001)

	var ln net.Listener
	if err := p.Dst.Do(func() (err error) { ln, err = net.Listen("tcp", target.String()); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const size = 8_000_000 // ~120 GSO super-packets: some are lost for sure
	received := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			received <- 0
			return
		}
		defer c.Close()
		n, _ := io.CopyN(io.Discard, c, size)
		received <- n
		_, _ = io.Copy(io.Discard, c)
	}()
	var conn net.Conn
	if err := p.Src.Do(func() (err error) { conn, err = net.DialTimeout("tcp", target.String(), 5*time.Second); return err }); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetWriteDeadline(time.Now().Add(60 * time.Second))
	if _, err := conn.Write(bytes.Repeat([]byte("netdx"), size/5)); err != nil {
		t.Fatal(err)
	}
	// Write returns once the data is in the socket buffer: wait until all
	// of it went through the lossy router.
	select {
	case n := <-received:
		if n != size {
			t.Fatalf("server received %d bytes of %d", n, size)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("transfer did not finish")
	}
	local := conn.LocalAddr().String()

	sleep := p.Src.Command(context.Background(), "sleep", "600")
	if err := p.Src.Start(sleep); err != nil {
		t.Fatal(err)
	}
	snmpPath := fmt.Sprintf("/proc/%d/net/snmp", sleep.Process.Pid)
	// A Collect between two readings of the counters that agree (data
	// still in flight moves them).
	type reading struct {
		snap  Snapshot
		after snmpText
	}
	r := testkit.Poll(t, "the namespace's TCP counters to stand still around a Collect", testkit.Guard, 100*time.Millisecond, func() (reading, bool) {
		before := readSNMP(t, snmpPath)
		snap, err := Collect(context.Background(), Config{NetNS: nsPath(p.Src), Top: 3, NoCaptures: true})
		if err != nil {
			t.Fatal(err)
		}
		after := readSNMP(t, snmpPath)
		return reading{snap, after}, before.raw == after.raw
	})
	snap, after := r.snap, r.after
	want := TCPFrom(after.c)
	t.Logf("namespace /proc/net/snmp: OutSegs %d RetransSegs %d (%.2f%%); netdx: %d %d (%.2f%%)",
		want.OutSegs, want.RetransSegs, 100*want.RetransRatio, snap.TCP.OutSegs, snap.TCP.RetransSegs, 100*snap.TCP.RetransRatio)
	if snap.TCP.OutSegs != want.OutSegs || snap.TCP.RetransSegs != want.RetransSegs || snap.TCP.RetransRatio != want.RetransRatio {
		t.Errorf("netdx TCP %+v, /proc/%d/net/snmp says %+v", snap.TCP, sleep.Process.Pid, want)
	}
	// Loss hits GSO super-packets as a whole (~120 of them), so the
	// ratio varies from run to run around 10 %; below 1 % would take
	// at most one loss (p < 1e-4).
	if want.RetransSegs == 0 || want.RetransRatio < 0.01 {
		t.Errorf("10%% loss gave a retransmit ratio of %.3f", want.RetransRatio)
	}
	if len(snap.Worst) == 0 || snap.Worst[0].Local != local || snap.Worst[0].TCPInfo.TotalRetrans == 0 {
		t.Errorf("worst connections %+v, want %s first", snap.Worst, local)
	} else if snap.Worst[0].PID != os.Getpid() {
		t.Errorf("worst connection owned by %d, want this test (%d)", snap.Worst[0].PID, os.Getpid())
	}
}

type snmpText struct {
	raw string
	c   Counters
}

func readSNMP(t *testing.T, path string) snmpText {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := Counters{}
	if err := ParseSNMP(b, c); err != nil {
		t.Fatal(err)
	}
	return snmpText{raw: string(b), c: c}
}

// TestIntegrationWatch samples a namespace while ping runs through it:
// every snapshot carries rates over its own interval, and the packets
// counted in the rates add up to what ping sent.
func TestIntegrationWatch(t *testing.T) {
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	a.MustRun("ping", "-c", "1", "198.18.0.2") // ARP done before sampling
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, err := Collect(ctx, Config{NetNS: nsPath(a), Interfaces: []string{"eth0"}, NoCaptures: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Snapshot, 1000)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, Config{NetNS: nsPath(a), Interfaces: []string{"eth0"}, Interval: 100 * time.Millisecond, NoCaptures: true},
			func(s Snapshot) error {
				got <- s
				return nil
			})
	}()
	// Ping once Watch has its first sample, and stop once a sample has
	// counted all its 20 requests.
	next := func() Snapshot {
		select {
		case s := <-got:
			return s
		case err := <-done:
			t.Fatalf("Watch ended: %v", err)
		case <-time.After(testkit.Guard):
			t.Fatal("no snapshot from Watch")
		}
		return Snapshot{}
	}
	snaps := []Snapshot{next()}
	a.MustRun("ping", "-c", "20", "-i", "0.02", "198.18.0.2")
	for snaps[len(snaps)-1].Links[0].Stats.TxPackets < first.Links[0].Stats.TxPackets+20 {
		snaps = append(snaps, next())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if len(snaps) < 3 {
		t.Fatalf("%d snapshots", len(snaps))
	}
	var txPackets uint64
	for _, s := range snaps {
		r := s.Links[0].Rates
		if r == nil || r.Reset || s.TCP.Interval == nil {
			t.Fatalf("snapshot without rates: %+v", s.Links[0])
		}
		txPackets += r.Delta.TxPackets
	}
	last := snaps[len(snaps)-1].Links[0].Stats
	// The deltas of consecutive snapshots add up to the change in the
	// counter since the Collect before Watch started, less what moved
	// between that Collect and Watch's first sample.
	if total := last.TxPackets - first.Links[0].Stats.TxPackets; txPackets > total || txPackets < 20 {
		t.Errorf("rates counted %d packets sent, counters moved by %d, ping sent 20", txPackets, total)
	}
}

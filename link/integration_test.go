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
		snap, err := Collect(context.Background(), Config{NetNS: nsPath(a)})
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

// TestIntegrationPromiscFlag: "ip link set promisc on" sets the flag ifconfig
// shows and raises the counter; the flag alone explains the counter
// (diagnose's rules make it a finding).
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
	if !eth0.PromiscFlag || eth0.Promiscuity != 1 || !slices.Contains(eth0.Flags, "promisc") {
		t.Errorf("eth0 flag %v counter %d flags %v", eth0.PromiscFlag, eth0.Promiscuity, eth0.Flags)
	}
	if p := ExplainPromisc(eth0, nil); !p.Flag || len(p.ExplainedBy) != 1 || p.Unexplained != 0 {
		t.Errorf("eth0 promiscuity explained as %+v, want by the flag alone", p)
	}
	if lo := findLink(t, snap, "lo"); lo.PromiscFlag || lo.Promiscuity != 0 || len(ExplainPromisc(lo, nil).ExplainedBy) != 0 {
		t.Errorf("lo: %+v", lo)
	}
}

// TestIntegrationRetransmits sends data over a path that loses 10 % of it
// and checks the retransmit counters against the namespace's own
// /proc/net/snmp.
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
		snap, err := Collect(context.Background(), Config{NetNS: nsPath(p.Src)})
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
	first, err := Collect(ctx, Config{NetNS: nsPath(a), Interfaces: []string{"eth0"}})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Snapshot, 1000)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, Config{NetNS: nsPath(a), Interfaces: []string{"eth0"}, Interval: 100 * time.Millisecond},
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

// TestIntegrationBridgePortAlone: a bridge makes its ports promiscuous;
// reading the port alone (the bridge left out by Config.Interfaces) still
// knows its master's kind, so the bridge explains the counter.
func TestIntegrationBridgePortAlone(t *testing.T) {
	l := netlab.New(t)
	a := l.Node("a")
	a.MustRun("ip", "link", "add", "br0", "type", "bridge")
	a.MustRun("ip", "link", "add", "vp0", "type", "veth", "peer", "name", "vp1")
	a.MustRun("ip", "link", "set", "vp0", "master", "br0")
	snap, err := Collect(context.Background(), Config{NetNS: nsPath(a), Interfaces: []string{"vp0"}})
	if err != nil {
		t.Fatal(err)
	}
	vp0 := findLink(t, snap, "vp0")
	p := ExplainPromisc(vp0, nil)
	if len(snap.Links) != 1 || vp0.Master != "br0" || vp0.MasterKind != "bridge" || vp0.Promiscuity != 1 || p.Unexplained != 0 {
		t.Errorf("vp0 %+v explained as %+v, want a port of bridge br0, promiscuity explained", vp0, p)
	}
}

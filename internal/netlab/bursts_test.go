package netlab

import (
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"netdx/internal/testkit"
)

// TestBurstSchedule checks the schedule's arithmetic. It needs no root.
func TestBurstSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	s := BurstSchedule{Bursts: Bursts{Period: 2 * time.Second, Length: 300 * time.Millisecond}, Start: start}
	ms := func(n int) time.Time { return start.Add(time.Duration(n) * time.Millisecond) }
	for _, c := range []struct {
		at   int
		lost bool
	}{{-1, false}, {0, true}, {299, true}, {300, false}, {1999, false}, {2000, true}, {4299, true}, {4300, false}} {
		if got := s.Lost(ms(c.at)); got != c.lost {
			t.Errorf("Lost(start%+d ms) = %v, want %v", c.at, got, c.lost)
		}
	}
	if r := s.Rate(); r != 0.15 {
		t.Errorf("Rate = %v, want 0.15", r)
	}
	for _, c := range []struct {
		from, to int
		want     float64
	}{
		{0, 2000, 0.15}, {0, 20000, 0.15}, {300, 2000, 0}, {-1000, 1000, 0.15}, {100, 2200, 0.4 / 2.1},
		{1900, 2100, 0.5}, {0, 300, 1}, {500, 500, 0},
	} {
		if got := s.Share(ms(c.from), ms(c.to)); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Share(%d ms, %d ms) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	var none BurstSchedule
	if none.Lost(start) || none.Rate() != 0 || none.Share(start, ms(1000)) != 0 {
		t.Error("a zero schedule loses something")
	}
}

// TestNeighbourFrame checks which frames a link's bursts spare: ARP and
// IPv6 neighbour discovery, not other ICMPv6 or IP. It needs no root.
func TestNeighbourFrame(t *testing.T) {
	frame := func(ethertype uint16, next, icmpType byte) []byte {
		f := make([]byte, 14+40+8)
		binary.BigEndian.PutUint16(f[12:], ethertype)
		f[14+6], f[14+40] = next, icmpType
		return f
	}
	for _, c := range []struct {
		name  string
		frame []byte
		spare bool
	}{
		{"arp", frame(0x0806, 0, 0), true},
		{"neighbour solicitation", frame(0x86dd, 58, 135), true},
		{"neighbour advertisement", frame(0x86dd, 58, 136), true},
		{"router solicitation", frame(0x86dd, 58, 133), true},
		{"echo request v6", frame(0x86dd, 58, 128), false},
		{"mld report", frame(0x86dd, 58, 143), false},
		{"udp v6", frame(0x86dd, 17, 135), false},
		{"ipv4", frame(0x0800, 1, 135), false},
		{"runt", []byte{1, 2, 3}, false},
	} {
		if got := neighbourFrame(c.frame); got != c.spare {
			t.Errorf("%s: spared %v, want %v", c.name, got, c.spare)
		}
	}
}

// TestIntegrationBursts sends a numbered datagram every 5 ms across a link
// that loses everything for 100 ms every 400 ms, and checks what was lost
// against the link's schedule: the lost datagrams come in at most one run
// per burst (frames cross the wire in order, so a burst takes a run), the
// share lost is the schedule's share of the sending time, and the wire
// counted them.
func TestIntegrationBursts(t *testing.T) {
	l := New(t)
	bursts := Bursts{Period: 400 * time.Millisecond, Length: 100 * time.Millisecond}
	p := l.Chain(PathConfig{Routers: 1, NoICMPRateLimit: true, Bursts: []Bursts{{}, bursts}})
	link := p.Links[1]
	sched := link.Bursts()
	if sched.Bursts != bursts || sched.Start.IsZero() || sched.Rate() != 0.25 {
		t.Fatalf("schedule %+v, rate %v", sched, sched.Rate())
	}

	var rc *net.UDPConn
	dst := netip.AddrPortFrom(p.Target6(), 9)
	if err := p.Dst.Do(func() (err error) { rc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(dst)); return err }); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[uint32]bool{}
	var done sync.WaitGroup
	done.Add(1)
	go func() {
		defer done.Done()
		buf := make([]byte, 64)
		for {
			n, err := rc.Read(buf)
			if err != nil {
				return
			}
			if n == 4 {
				mu.Lock()
				got[binary.BigEndian.Uint32(buf)] = true
				mu.Unlock()
			}
		}
	}()
	defer func() { rc.Close(); done.Wait() }()

	var sc *net.UDPConn
	if err := p.Src.Do(func() (err error) { sc, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst)); return err }); err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	send := func(seq uint32) {
		if _, err := sc.Write(binary.BigEndian.AppendUint32(nil, seq)); err != nil {
			t.Fatal(err)
		}
	}
	const count = 320 // 1.6 s: four periods
	tick := time.NewTicker(5 * time.Millisecond)
	first := time.Now()
	for seq := range uint32(count) {
		send(seq)
		<-tick.C
	}
	tick.Stop()
	sentAll := time.Now()
	// Frames cross the wire in order: once a marker sent after the last
	// datagram arrives, every datagram has arrived or been lost. Send
	// markers until one does (a burst may take some).
	marker := uint32(count)
	testkit.WaitFor(t, "a marker datagram to cross", 10*time.Millisecond, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for seq := range got {
			if seq >= count {
				return true
			}
		}
		send(marker)
		marker++
		return false
	})
	last := time.Now()

	mu.Lock()
	var lost, runs int
	for seq := range uint32(count) {
		if !got[seq] {
			lost++
			if seq == 0 || got[seq-1] {
				runs++
			}
		}
	}
	mu.Unlock()
	windows := int(last.Sub(sched.Start)/bursts.Period) - int(first.Sub(sched.Start)/bursts.Period) + 1
	share, want := float64(lost)/count, sched.Share(first, sentAll)
	t.Logf("%d of %d datagrams lost in %d runs (%d bursts while sending); share lost %.3f, schedule's %.3f; wire: %+v",
		lost, count, runs, windows, share, want, link.Wire())
	if lost == 0 || runs > windows {
		t.Errorf("%d datagrams lost in %d runs, want some, in at most one run per burst (%d)", lost, runs, windows)
	}
	if math.Abs(share-want) > 0.1 {
		t.Errorf("lost a share of %.3f, want the schedule's %.3f ± 0.1", share, want)
	}
	if w := link.Wire(); w.Lost < uint64(lost) {
		t.Errorf("the wire counted %d frames lost, fewer than the %d datagrams lost", w.Lost, lost)
	}
}

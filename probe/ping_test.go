package probe

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
)

// fakeHost answers echo requests like a host behind a path of rtt, with
// per-target behaviour, on a fake raw or datagram socket. Time is the
// synctest bubble's, so RTTs are exact.
type fakeHost struct {
	v6       bool
	raw      bool
	rtt      time.Duration
	behave   map[netip.Addr]string // "drop", "dup", "corrupt", "late", "unreach"
	mu       sync.Mutex
	in       chan Packet
	done     chan struct{}
	closed   sync.Once
	sent     int
	writeErr error
	// stalled: what arrives now waits in the "socket" (held, stamped on
	// arrival) until Pending is asked, as when the process is descheduled
	// on a busy machine: asking is what lets the reader run.
	stalled atomic.Bool
	held    []Packet
}

func newFakeHost(v6, raw bool, rtt time.Duration, behave map[netip.Addr]string) *fakeHost {
	return &fakeHost{v6: v6, raw: raw, rtt: rtt, behave: behave, in: make(chan Packet, 1024), done: make(chan struct{})}
}

func (f *fakeHost) Raw() bool { return f.raw }

// Pending: a packet has arrived that the reader has not taken; the held
// ones go to the reader now.
func (f *fakeHost) Pending() bool {
	f.mu.Lock()
	held := f.held
	f.held = nil
	f.mu.Unlock()
	for _, p := range held {
		f.in <- p
	}
	return len(held) > 0 || len(f.in) > 0
}

// ZoneIndex knows one interface, "eth0", index 2.
func (f *fakeHost) ZoneIndex(zone string) (int, error) {
	if zone == "eth0" || zone == "2" {
		return 2, nil
	}
	return 0, fmt.Errorf("%w %q: no such interface", ErrZone, zone)
}
func (f *fakeHost) ID() int { return 0x5151 }
func (f *fakeHost) Close() error {
	f.closed.Do(func() { close(f.done) })
	return nil
}

func (f *fakeHost) deliver(after time.Duration, p Packet) {
	time.AfterFunc(after, func() {
		p.At, p.KernelTime = time.Now(), true
		if f.stalled.Load() {
			f.mu.Lock()
			f.held = append(f.held, p)
			f.mu.Unlock()
			return
		}
		select {
		case f.in <- p:
		case <-f.done:
		}
	})
}

func (f *fakeHost) WriteTo(b []byte, dst netip.Addr, o WriteOptions) (time.Time, error) {
	f.mu.Lock()
	f.sent++
	f.mu.Unlock()
	now := time.Now()
	// The reply, or one with a payload byte changed and the checksum
	// made right.
	replyTo := func(altered bool) []byte {
		m := packettest.ReplyTo(b)
		e := m.Body.(*icmp.Echo)
		if !f.raw {
			e.ID = 0x7777 // the kernel's id
		}
		if altered {
			e.Data[0] ^= 1
		}
		return packettest.ICMP(m, netip.Addr{}, netip.Addr{})
	}
	reply := replyTo(false)
	p := Packet{Src: dst, Data: reply, TTL: 63}
	// The request as it left this host (198.18.1.1), for errors to quote
	// (IPv4 only).
	request := packettest.IP(netip.MustParseAddr("198.18.1.1"), dst, icmpmsg.ProtoICMP, 64, b)
	switch f.behave[dst] {
	case "drop":
	case "dup":
		f.deliver(f.rtt, p)
		f.deliver(f.rtt+time.Millisecond, p)
	case "corrupt":
		bad := append([]byte(nil), reply...)
		bad[20] ^= 0xff
		f.deliver(f.rtt, Packet{Src: dst, Data: bad, TTL: 63})
	case "late":
		f.deliver(1100*time.Millisecond, p)
	case "unreach":
		q := packettest.ICMP(packettest.Error(ipv4.ICMPTypeDestinationUnreachable, 1, request), netip.Addr{}, netip.Addr{})
		f.deliver(f.rtt/2, Packet{Src: netip.MustParseAddr("198.18.1.2"), Data: q, TTL: 64})
	case "forged":
		// An on-path host answers first: errors quoting 8 bytes of the
		// request from made-up senders, a reply with a bad checksum, one
		// with an altered payload, one from its own address; then the
		// real reply.
		short := request[:len(request)-len(b)+8]
		for i := range 5 {
			from := netip.AddrFrom4([4]byte{198, 19, byte(f.sent), byte(i)})
			if !f.raw {
				// The kernel queues the error with what it quotes.
				f.deliver(f.rtt/4, Packet{Src: from, Data: b[:8], Queued: &QueuedError{Type: 11}, To: dst})
				continue
			}
			q := packettest.ICMP(packettest.Error(ipv4.ICMPTypeTimeExceeded, 0, short), netip.Addr{}, netip.Addr{})
			f.deliver(f.rtt/4, Packet{Src: from, Data: q, TTL: 64})
		}
		bad := append([]byte(nil), reply...)
		bad[2] ^= 0x55
		if !f.raw {
			bad = replyTo(true) // the kernel drops bad checksums
		}
		f.deliver(f.rtt/4, Packet{Src: dst, Data: bad, TTL: 63})
		f.deliver(f.rtt/4, Packet{Src: dst, Data: replyTo(true), TTL: 63})
		f.deliver(f.rtt/4, Packet{Src: netip.MustParseAddr("198.18.66.6"), Data: reply, TTL: 63})
		f.deliver(f.rtt, p)
	default:
		f.deliver(f.rtt, p)
	}
	return now, f.writeErr
}

func (f *fakeHost) ReadPacket(buf []byte) (Packet, error) {
	select {
	case p := <-f.in:
		n := copy(buf, p.Data)
		p.Data = buf[:n]
		return p, nil
	case <-f.done:
		return Packet{}, net.ErrClosed
	}
}

func fakeListen(h *fakeHost) listenFunc {
	return func(ctx context.Context, cc ConnConfig) (conn, error) { return h, nil }
}

func TestPingEngine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
		targets := []Target{{"ok", a("198.18.2.1")}, {"drop", a("198.18.2.2")}, {"dup", a("198.18.2.3")},
			{"corrupt", a("198.18.2.4")}, {"late", a("198.18.2.5")}, {"unreach", a("198.18.2.6")}, {"forged", a("198.18.2.7")}}
		behave := map[netip.Addr]string{}
		for _, tg := range targets {
			behave[tg.Addr] = tg.Name
		}
		for _, raw := range []bool{true, false} {
			h := newFakeHost(false, raw, 20*time.Millisecond, behave)
			var events []Event
			start := time.Now()
			cfg := DefaultConfig()
			cfg.Count, cfg.Interval, cfg.Timeout = 4, 200*time.Millisecond, time.Second
			cfg.OnEvent = func(e Event) { events = append(events, e) }
			res, err := run(context.Background(), cfg, targets, fakeListen(h))
			if err != nil {
				t.Fatal(err)
			}
			// Four probes 200 ms apart, then one timeout for the last.
			if took := time.Since(start); took != 600*time.Millisecond+time.Second {
				t.Errorf("raw=%v: run took %v of fake time, want 1.6s (last probe's timeout)", raw, took)
			}
			get := func(name string) Result {
				for _, r := range res {
					if r.Target == name {
						return r
					}
				}
				t.Fatalf("no result for %s", name)
				return Result{}
			}
			if r := get("ok"); r.Received != 4 || r.RTT == nil || r.RTT.Min != 20 || r.RTT.Max != 20 || r.Timestamps != "kernel" {
				t.Errorf("raw=%v ok: %+v", raw, r)
			}
			if r := get("drop"); r.Sent != 4 || r.Received != 0 || r.LossPct != 100 || r.RTT != nil {
				t.Errorf("raw=%v drop: %+v", raw, r)
			}
			if r := get("dup"); r.Received != 4 || r.Duplicates != 4 || r.RTT.Max != 20 {
				t.Errorf("raw=%v dup: %+v", raw, r)
			}
			if r := get("corrupt"); r.Received != 0 || r.Invalid != 4 {
				t.Errorf("raw=%v corrupt: %+v", raw, r)
			}
			if r := get("late"); r.Received != 0 || r.Late != 3 || r.LossPct != 100 || r.RTT != nil {
				// Replies 1.1 s after each probe, past the 1 s timeout:
				// three are seen before the run ends at 1.6 s; none counts.
				t.Errorf("raw=%v late: %+v", raw, r)
			}
			if r := get("unreach"); r.Received != 0 || len(r.ICMPErrors) != 1 || r.ICMPErrors[0].Count != 4 || r.ICMPErrors[0].Name != "Destination Host Unreachable" {
				t.Errorf("raw=%v unreach: %+v", raw, r)
			}
			// Every forgery is rejected, and the real replies count. (A
			// datagram socket gets errors on its queue, quoting what the
			// error quoted; the kernel drops bad checksums.)
			badSum, token := 4, 4
			if !raw {
				badSum, token = 0, 8
			}
			if r := get("forged"); r.Received != 4 || r.Late != 0 || r.LossPct != 0 || len(r.ICMPErrors) != 0 ||
				r.InvalidByCause["contradicted_error"] != 4 || r.InvalidByCause["repeated_error"] != 16 || r.InvalidByCause["bad_checksum"] != badSum ||
				r.InvalidByCause["wrong_token"] != token || r.InvalidByCause["wrong_source"] != 4 || r.Invalid != 32 {
				t.Errorf("raw=%v forged: %+v", raw, r)
			}
			if len(events) == 0 {
				t.Error("no events")
			}
			// Every rejection comes with an event of its target: the last
			// one carries the run's counts.
			last := map[int]Event{}
			for _, e := range events {
				last[e.Target] = e
			}
			for i, tg := range targets {
				ev := last[i]
				if got, want := ev.Rejected.Map(), get(tg.Name).InvalidByCause; !maps.Equal(got, want) {
					t.Errorf("raw=%v %s: the last event counts %v rejected, the result %v", raw, tg.Name, got, want)
				}
			}
			synctest.Wait()
		}
	})
}

// TestPingCancel interrupts an endless run: Ping returns the statistics so
// far, with nothing left running.
func TestPingCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	synctest.Test(t, func(t *testing.T) {
		target := netip.MustParseAddr("198.18.2.1")
		h := newFakeHost(false, true, 5*time.Millisecond, nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(2500*time.Millisecond, cancel)
		res, err := run(ctx, DefaultConfig(), []Target{{"t", target}}, fakeListen(h))
		if err != nil {
			t.Fatal(err)
		}
		if r := res[0]; r.Sent != 3 || r.Received != 3 {
			t.Errorf("after 2.5 s at 1/s: %+v, want 3 sent and received", r)
		}
		synctest.Wait()
	})
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Ping, %d before", n, before)
	}
}

// TestPingRate checks the global rate: 100 targets at 50 a second take
// two seconds to send.
func TestPingRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var targets []Target
		for i := range 100 {
			targets = append(targets, Target{Addr: netip.AddrFrom4([4]byte{198, 18, 3, byte(i + 1)})})
		}
		h := newFakeHost(false, true, time.Millisecond, nil)
		opened := 0
		listen := func(ctx context.Context, cc ConnConfig) (conn, error) { opened++; return h, nil }
		start := time.Now()
		cfg := DefaultConfig()
		cfg.Count, cfg.Rate = 1, 50
		res, err := run(context.Background(), cfg, targets, listen)
		if err != nil {
			t.Fatal(err)
		}
		if opened != 1 {
			t.Errorf("%d sockets opened for 100 IPv4 targets, want 1", opened)
		}
		// The last goes out at 99 × 20 ms and is answered 1 ms later.
		if took := time.Since(start); took != 99*20*time.Millisecond+time.Millisecond {
			t.Errorf("took %v, want 1.981s", took)
		}
		for _, r := range res {
			if r.Received != 1 {
				t.Fatalf("%+v", r)
			}
		}
	})
}

func TestPingIntervalNeedsRaw(t *testing.T) {
	h := newFakeHost(false, false, time.Millisecond, nil)
	cfg := DefaultConfig()
	cfg.Count, cfg.Interval = 1, time.Millisecond
	_, err := run(context.Background(), cfg, []Target{{"t", netip.MustParseAddr("198.18.2.1")}}, fakeListen(h))
	if !errors.Is(err, ErrInterval) {
		t.Errorf("err = %v, want ErrInterval", err)
	}
}

// TestPingZone pings a link-local target with its zone: sent to the zone's
// interface index, answered from the address without zone, reported with
// the zone the user gave. A zone that names no interface is an error that
// names it, before anything is sent.
func TestPingZone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newFakeHost(true, true, time.Millisecond, nil)
		var sentTo []netip.Addr
		listen := func(ctx context.Context, cc ConnConfig) (conn, error) { return &zoneRecorder{h, &sentTo}, nil }
		target := netip.MustParseAddr("fe80::1%eth0")
		cfg := DefaultConfig()
		cfg.Count, cfg.Interval = 2, 200*time.Millisecond
		res, err := run(context.Background(), cfg, []Target{{"ll", target}}, listen)
		if err != nil {
			t.Fatal(err)
		}
		if r := res[0]; r.Received != 2 || r.Invalid != 0 || r.Addr != "fe80::1%eth0" {
			t.Errorf("%+v, want 2 received from fe80::1%%eth0", r)
		}
		if len(sentTo) != 2 || sentTo[0] != netip.MustParseAddr("fe80::1%2") {
			t.Errorf("sent to %v, want fe80::1%%2 (the index of eth0)", sentTo)
		}
		h2 := newFakeHost(true, true, time.Millisecond, nil)
		cfg.Count = 1
		_, err = run(context.Background(), cfg, []Target{{"ll", netip.MustParseAddr("fe80::1%nosuch")}}, fakeListen(h2))
		if !errors.Is(err, ErrZone) || !strings.Contains(err.Error(), `"nosuch"`) || h2.sent != 0 {
			t.Errorf("unknown zone: err %v, %d sent; want ErrZone naming it, nothing sent", err, h2.sent)
		}
		synctest.Wait()
	})
}

// zoneRecorder is a fakeHost that records where it was asked to send, and
// answers from the address without its zone, as a socket does.
type zoneRecorder struct {
	*fakeHost
	to *[]netip.Addr
}

func (z *zoneRecorder) WriteTo(b []byte, dst netip.Addr, o WriteOptions) (time.Time, error) {
	*z.to = append(*z.to, dst)
	return z.fakeHost.WriteTo(b, dst.WithZone(""), o)
}

package audit

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"netdx/sockets"
)

var t0 = time.Unix(1700000000, 0)

func listen(cookie uint64, local string) sockets.Entry {
	return sockets.Entry{Family: "ipv4", State: "LISTEN", Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort("0.0.0.0:0"), Cookie: cookie, Inode: uint32(cookie)}
}

func conn(cookie uint64, local, remote string) sockets.Entry {
	return sockets.Entry{Family: "ipv4", State: "ESTABLISHED", Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote), Cookie: cookie, Inode: uint32(cookie)}
}

// gone is e as its destroy notification describes it.
func gone(e sockets.Entry) sockets.Entry {
	e.State, e.Inode = "CLOSE", 0
	return e
}

func cookies(es []sockets.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Cookie)
	}
	return out
}

func newTestTracker() *tracker { return newTracker(1000, 100, time.Minute, [2]uint16{32768, 60999}) }

// TestTrackerPolls: the baseline is silent; later polls report new
// listeners and inbound connections once each, never outbound ones.
func TestTrackerPolls(t *testing.T) {
	tr := newTestTracker()
	telnet := listen(1, "0.0.0.0:23")
	old := conn(2, "198.18.0.2:23", "198.18.0.1:40000")
	if f := tr.poll(t0, []sockets.Entry{telnet, old}, true); f.listeners != nil || f.conns != nil {
		t.Fatalf("baseline reported %+v", f)
	}
	web := listen(3, "198.18.0.2:8080")
	in := conn(4, "198.18.0.2:23", "198.18.0.1:40001")
	in2 := conn(5, "198.18.0.2:8080", "198.18.0.9:50000")
	out := conn(6, "198.18.0.2:45000", "198.18.0.9:23")
	elsewhere := conn(7, "198.18.0.3:8080", "198.18.0.9:50001") // 8080 listens on .2 only
	all := []sockets.Entry{telnet, old, web, in, in2, out, elsewhere}
	f := tr.poll(t0.Add(time.Second), all, false)
	if !slices.Equal(cookies(f.listeners), []uint64{3}) || !slices.Equal(cookies(f.conns), []uint64{4, 5}) || f.closed != nil {
		t.Errorf("poll found %+v", f)
	}
	if f := tr.poll(t0.Add(2*time.Second), all, false); f.listeners != nil || f.conns != nil {
		t.Errorf("the same table again reported %+v", f)
	}
}

// TestTrackerDestroyed: a connection that opened and closed between polls
// is reported from its notification, once, and a poll that still lists it
// does not report it again; a connection a poll reported is not reported
// when it closes.
func TestTrackerDestroyed(t *testing.T) {
	tr := newTestTracker()
	telnet := listen(1, "0.0.0.0:23")
	tr.poll(t0, []sockets.Entry{telnet}, true)
	short := conn(10, "198.18.0.2:23", "198.18.0.1:40000")
	if !tr.destroyed(t0, gone(short)) {
		t.Fatal("short-lived inbound connection not reported")
	}
	if tr.destroyed(t0, gone(short)) {
		t.Error("reported twice")
	}
	if f := tr.poll(t0.Add(time.Second), []sockets.Entry{telnet, short}, false); f.conns != nil {
		t.Errorf("a poll racing the notification reported %+v", f)
	}
	open := conn(11, "198.18.0.2:23", "198.18.0.1:40001")
	if f := tr.poll(t0.Add(2*time.Second), []sockets.Entry{telnet, open}, false); !slices.Equal(cookies(f.conns), []uint64{11}) {
		t.Fatalf("poll found %+v", f)
	}
	if tr.destroyed(t0.Add(3*time.Second), gone(open)) {
		t.Error("a reported connection was reported again when it closed")
	}
	// Outbound, never connected, or the listener itself: not connections.
	for _, e := range []sockets.Entry{
		conn(12, "198.18.0.2:45000", "198.18.0.9:23"),
		gone(sockets.Entry{Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("0.0.0.0:0"), Cookie: 13}),
		gone(telnet),
	} {
		if tr.destroyed(t0, gone(e)) {
			t.Errorf("%+v reported", e)
		}
	}
	if len(tr.pending) != 0 {
		t.Errorf("pending %+v", tr.pending)
	}
}

// TestTrackerPending: a connection closed on a port with no listener yet
// known waits for the next poll, which reports it if a listener is there.
func TestTrackerPending(t *testing.T) {
	tr := newTestTracker()
	tr.poll(t0, nil, true)
	early := conn(20, "198.18.0.2:8080", "198.18.0.1:40000")
	stray := conn(21, "198.18.0.2:9090", "198.18.0.1:40001")
	if tr.destroyed(t0, gone(early)) || tr.destroyed(t0, gone(stray)) || len(tr.pending) != 2 {
		t.Fatalf("pending %+v", tr.pending)
	}
	f := tr.poll(t0.Add(time.Second), []sockets.Entry{listen(22, "[::]:8080")}, false)
	if !slices.Equal(cookies(f.closed), []uint64{20}) || !slices.Equal(cookies(f.listeners), []uint64{22}) || len(tr.pending) != 0 {
		t.Errorf("poll found %+v, pending %+v", f, tr.pending)
	}
}

// TestTrackerDualStack: a dual-stack [::] listener accepts IPv4
// connections, which appear with IPv4-mapped addresses.
func TestTrackerDualStack(t *testing.T) {
	tr := newTestTracker()
	ssh := listen(1, "[::]:22")
	tr.poll(t0, []sockets.Entry{ssh}, true)
	mapped := conn(2, "[::ffff:198.18.0.2]:22", "[::ffff:198.18.0.1]:40000")
	v6 := conn(3, "[2001:db8::2]:22", "[2001:db8::1]:40000")
	f := tr.poll(t0.Add(time.Second), []sockets.Entry{ssh, mapped, v6}, false)
	if !slices.Equal(cookies(f.conns), []uint64{2, 3}) {
		t.Errorf("found %+v", f)
	}
	if got := unmapped(mapped.Local); got != "198.18.0.2:22" {
		t.Errorf("unmapped %s", got)
	}
	// An IPv4 wildcard listener does not take IPv6 connections.
	tr = newTestTracker()
	tr.poll(t0, []sockets.Entry{listen(1, "0.0.0.0:22")}, true)
	if f := tr.poll(t0, []sockets.Entry{listen(1, "0.0.0.0:22"), v6}, false); f.conns != nil {
		t.Errorf("found %+v", f)
	}
}

// TestTrackerBounds: the remembered sockets and the pending notifications
// stay within their bounds, counting what they drop; closed sockets expire.
func TestTrackerBounds(t *testing.T) {
	tr := newTracker(10, 3, time.Minute, [2]uint16{32768, 60999})
	l := listen(1, "0.0.0.0:23")
	tr.poll(t0, []sockets.Entry{l}, true)
	var es []sockets.Entry
	for i := range 100 {
		es = append(es, conn(uint64(100+i), "198.18.0.2:23", netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(1000+i)).String()))
	}
	f := tr.poll(t0.Add(time.Second), append(es, l), false)
	if len(f.conns) != 100 || len(tr.seen) > 10 || tr.evicted < 90 {
		t.Errorf("found %d, remember %d, evicted %d", len(f.conns), len(tr.seen), tr.evicted)
	}
	for i := range 5 {
		tr.destroyed(t0, gone(conn(uint64(300+i), "198.18.0.2:7000", "198.18.0.1:1")))
	}
	if len(tr.pending) != 3 || tr.pendingDropped != 2 {
		t.Errorf("pending %d, dropped %d", len(tr.pending), tr.pendingDropped)
	}
	// Closed sockets are forgotten after the expiry.
	tr = newTestTracker()
	tr.poll(t0, []sockets.Entry{l}, true)
	tr.destroyed(t0, gone(conn(5, "198.18.0.2:23", "198.18.0.1:1")))
	tr.poll(t0.Add(30*time.Second), []sockets.Entry{l}, false)
	if _, ok := tr.seen[5]; !ok {
		t.Error("forgotten before the expiry")
	}
	tr.poll(t0.Add(2*time.Minute), []sockets.Entry{l}, false)
	if _, ok := tr.seen[5]; ok || len(tr.seen) != 1 {
		t.Errorf("remembered after the expiry: %v", tr.seen)
	}
}

// FuzzTracker drives the tracker with polls and notifications made of the
// input bytes: bounds always hold, and with room for every socket no
// socket is ever reported twice.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 201, 17, 33})
	f.Add([]byte{128, 3, 23, 1, 0, 0, 9, 130, 5, 23, 2})
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, small := range []bool{true, false} {
			b := input
			maxT := 1000
			if small {
				maxT = 4
			}
			tr := newTracker(maxT, 3, time.Hour, [2]uint16{32768, 60999})
			reported := map[uint64]int{}
			now := t0
			tr.poll(now, nil, true)
			var table []sockets.Entry
			for len(b) >= 4 {
				op, cookie, port, peer := b[0], uint64(b[1]%32)+1, uint16(binary.BigEndian.Uint16(b[2:4])%8)+20, b[3]
				b = b[4:]
				now = now.Add(time.Second)
				local := netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port)
				if op%3 == 0 {
					local = netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), 40000+uint16(peer))
				}
				e := sockets.Entry{State: "ESTABLISHED", Local: local, Remote: netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), 1000+uint16(peer)), Cookie: cookie}
				switch op % 4 {
				case 0, 1:
					if op%8 == 1 {
						e = listen(cookie, local.String())
					}
					table = append(table, e)
				case 2:
					if tr.destroyed(now, gone(e)) {
						reported[cookie]++
					}
					table = slices.DeleteFunc(table, func(x sockets.Entry) bool { return x.Cookie == cookie })
				case 3:
					f := tr.poll(now, table, false)
					for _, l := range [][]sockets.Entry{f.listeners, f.conns, f.closed} {
						for _, x := range l {
							reported[x.Cookie]++
						}
					}
				}
				if len(tr.seen) > maxT || tr.nlisteners > maxT || len(tr.pending) > 3 {
					t.Fatalf("bounds: %d remembered, %d listeners, %d pending", len(tr.seen), tr.nlisteners, len(tr.pending))
				}
			}
			if !small {
				for c, n := range reported {
					if n > 1 {
						t.Fatalf("socket %d reported %d times", c, n)
					}
				}
			}
		}
	})
}

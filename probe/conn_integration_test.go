package probe

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

// listenIn opens a Conn inside n's namespace, closed when the test ends.
func listenIn(t *testing.T, n *netlab.Node, cfg ConnConfig) *Conn {
	t.Helper()
	var c *Conn
	if err := n.Do(func() (err error) {
		c, err = Listen(context.Background(), cfg)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echoOnce sends one echo request on c to dst and waits for the matching
// reply.
func echoOnce(t *testing.T, c *Conn, dst netip.Addr, seq int) (Packet, time.Time) {
	t.Helper()
	var typ icmp.Type = ipv4.ICMPTypeEcho
	proto, reply := 1, icmp.Type(ipv4.ICMPTypeEchoReply)
	if c.IPv6() {
		typ, proto, reply = ipv6.ICMPTypeEchoRequest, 58, ipv6.ICMPTypeEchoReply
	}
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: c.ID(), Seq: seq, Data: []byte("netdx conn test")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := c.WriteTo(b, dst, WriteOptions{TTL: 17})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	deadline := time.Now().Add(3 * time.Second)
	for {
		if err := c.SetReadDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		p, err := c.ReadPacket(buf)
		if err != nil {
			t.Fatalf("no echo reply from %s: %v", dst, err)
		}
		m, err := icmp.ParseMessage(proto, p.Data)
		if err != nil || m.Type != reply {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.ID == c.ID() && e.Seq == seq && string(e.Data) == "netdx conn test" {
			return p, sent
		}
	}
}

func TestIntegrationConnEcho(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	for _, mode := range []Mode{ModeRaw, ModeDatagram} {
		for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
			t.Run(mode.String()+"/"+dst.String(), func(t *testing.T) {
				if mode == ModeDatagram {
					p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
				}
				c := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: mode})
				if c.Raw() != (mode == ModeRaw) || c.IPv6() != dst.Is6() {
					t.Fatalf("Raw()=%v IPv6()=%v for mode %v to %s", c.Raw(), c.IPv6(), mode, dst)
				}
				for seq := 1; seq <= 3; seq++ {
					pkt, sent := echoOnce(t, c, dst, seq)
					if pkt.Src != dst {
						t.Errorf("reply from %s, want %s", pkt.Src, dst)
					}
					if !pkt.KernelTime {
						t.Errorf("no kernel receive timestamp")
					}
					if rtt := pkt.At.Sub(sent); rtt <= 0 || rtt > 3*time.Second {
						t.Errorf("rtt %v from kernel timestamp, want (0, 3s]", rtt)
					}
					// One router between: the reply left dst with 64 and
					// lost one on the way.
					if pkt.TTL != 63 {
						t.Errorf("reply TTL %d, want 63", pkt.TTL)
					}
				}
			})
		}
	}
}

// TestIntegrationConnPending: Pending is true while a reply waits unread
// and false once it is read (trace asks it before calling probes lost).
func TestIntegrationConnPending(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	// Raw ICMPv6 sockets also see neighbour discovery: only raw IPv4.
	for _, tc := range []struct {
		mode Mode
		dst  netip.Addr
	}{{ModeRaw, p.Target4()}, {ModeDatagram, p.Target4()}, {ModeDatagram, p.Target6()}} {
		t.Run(tc.mode.String()+"/"+tc.dst.String(), func(t *testing.T) {
			c := listenIn(t, p.Src, ConnConfig{IPv6: tc.dst.Is6(), Mode: tc.mode})
			echoOnce(t, c, tc.dst, 1) // warm up neighbour caches
			if c.Pending() {
				t.Fatal("pending before anything was sent")
			}
			var typ icmp.Type = ipv4.ICMPTypeEcho
			if tc.dst.Is6() {
				typ = ipv6.ICMPTypeEchoRequest
			}
			b, _ := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: c.ID(), Seq: 2}}).Marshal(nil)
			if _, err := c.WriteTo(b, tc.dst, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, "the reply to show as pending", time.Millisecond, c.Pending)
			if err := c.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ReadPacket(make([]byte, 1500)); err != nil {
				t.Fatalf("pending, but read: %v", err)
			}
			if c.Pending() {
				t.Error("still pending after the reply was read")
			}
		})
	}
}

// TestIntegrationConnErrors checks that an ICMP error caused by our echo
// reaches the socket in both modes: directly on a raw socket, from the
// error queue on a datagram socket.
func TestIntegrationConnErrors(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Routers[0].NoICMPRateLimit()
	p.Src.Sysctl("net.ipv4.ping_group_range", "0 0")
	for _, mode := range []Mode{ModeRaw, ModeDatagram} {
		for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
			t.Run(mode.String()+"/"+dst.String(), func(t *testing.T) {
				c := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: mode})
				typ := icmp.Type(ipv4.ICMPTypeEcho)
				wantType, proto := 11, 1
				if dst.Is6() {
					typ, wantType, proto = ipv6.ICMPTypeEchoRequest, 3, 58
				}
				b, _ := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: c.ID(), Seq: 7, Data: []byte("ttl1")}}).Marshal(nil)
				if _, err := c.WriteTo(b, dst, WriteOptions{TTL: 1}); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 1500)
				_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
				for {
					pkt, err := c.ReadPacket(buf)
					if err != nil {
						t.Fatalf("no time exceeded: %v", err)
					}
					if pkt.Src != p.Hop4(1) && pkt.Src != p.Hop6(1) {
						continue
					}
					if mode == ModeDatagram {
						if pkt.Queued == nil || pkt.Queued.Type != wantType || pkt.Queued.Code != 0 {
							t.Fatalf("queued error %+v, want type %d", pkt.Queued, wantType)
						}
						// The quoted message is our echo request, with
						// the id the kernel gave it.
						m, err := icmp.ParseMessage(proto, pkt.Data)
						if err != nil {
							t.Fatalf("quoted message: %v", err)
						}
						if e, ok := m.Body.(*icmp.Echo); !ok || e.Seq != 7 || e.ID != c.ID() {
							t.Fatalf("quoted %+v, want seq 7 id %d", m.Body, c.ID())
						}
						return
					}
					if int(pkt.Data[0]) != wantType || pkt.Queued != nil {
						t.Fatalf("got ICMP type %d (queued %v), want %d", pkt.Data[0], pkt.Queued, wantType)
					}
					return
				}
			})
		}
	}
}

// TestIntegrationConnPermission drops CAP_NET_RAW on one thread of a
// namespace whose ping_group_range admits nobody: Listen must fail with
// ErrPermission naming both fixes; with the range opened it falls back to
// a datagram socket.
func TestIntegrationConnPermission(t *testing.T) {
	l := netlab.New(t)
	n := l.Node("h")
	n.Sysctl("net.ipv4.ping_group_range", "1 0")
	listenNoRaw := func(mode Mode) (*Conn, error) {
		var c *Conn
		err := n.Do(func() error {
			// Capabilities are per thread: this one dies with its
			// goroutine instead of going back to the pool.
			runtime.LockOSThread()
			if err := dropCap(unix.CAP_NET_RAW); err != nil {
				return err
			}
			var err error
			c, err = Listen(context.Background(), ConnConfig{Mode: mode})
			return err
		})
		return c, err
	}
	for _, mode := range []Mode{ModeAuto, ModeRaw, ModeDatagram} {
		_, err := listenNoRaw(mode)
		if !errors.Is(err, ErrPermission) {
			t.Fatalf("%v: err = %v, want ErrPermission", mode, err)
		}
		if mode != ModeRaw && (!strings.Contains(err.Error(), "setcap cap_net_raw+ep") || !strings.Contains(err.Error(), "ping_group_range")) {
			t.Errorf("%v: error does not name both fixes: %v", mode, err)
		}
	}
	n.Sysctl("net.ipv4.ping_group_range", "0 0")
	c, err := listenNoRaw(ModeAuto)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Raw() {
		t.Error("without CAP_NET_RAW the socket should be a datagram one")
	}
}

// dropCap removes capability c from the calling thread's effective set.
func dropCap(c int) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[c/32].Effective &^= 1 << (uint(c) % 32)
	return unix.Capset(&hdr, &data[0])
}

// TestIntegrationConnEchoIDFilter: two raw sockets on one host; the echo
// replies to one never reach the other (its kernel filter drops another
// id's), while an ICMP error still reaches both.
func TestIntegrationConnEchoIDFilter(t *testing.T) {
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		t.Run(dst.String(), func(t *testing.T) {
			a := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: ModeRaw})
			b := listenIn(t, p.Src, ConnConfig{IPv6: dst.Is6(), Mode: ModeRaw})
			if a.ID() == b.ID() {
				t.Skip("both sockets drew the same random echo id")
			}
			for seq := 1; seq <= 5; seq++ {
				echoOnce(t, a, dst, seq)
			}
			buf := make([]byte, 1500)
			b.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			for {
				pkt, err := b.ReadPacket(buf)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(pkt.Data) > 0 && (pkt.Data[0] == 0 || pkt.Data[0] == 129) {
					t.Fatalf("socket with id %d read an echo reply to id %d: % x", b.ID(), a.ID(), pkt.Data[:8])
				}
			}
			// A probe with TTL 1 to dst: the router's time exceeded
			// reaches b too (errors pass; icmpmsg tells whose they are).
			var typ icmp.Type = ipv4.ICMPTypeEcho
			if dst.Is6() {
				typ = ipv6.ICMPTypeEchoRequest
			}
			req, _ := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: a.ID(), Seq: 9, Data: []byte("ttl 1")}}).Marshal(nil)
			if _, err := a.WriteTo(req, dst, WriteOptions{TTL: 1}); err != nil {
				t.Fatal(err)
			}
			b.SetReadDeadline(time.Now().Add(3 * time.Second))
			pkt, err := b.ReadPacket(buf)
			if err != nil || len(pkt.Data) == 0 || (pkt.Data[0] != 11 && pkt.Data[0] != 3) {
				t.Fatalf("no time exceeded on the other socket: %v % x", err, pkt.Data)
			}
		})
	}
}

package netlab

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
	"netdx/internal/packettest"
)

// TestIntegrationForger checks the forger with a program that is not
// netdx: iputils ping, run past it, prints the forged errors (and stops
// early: it counts errors towards -c).
func TestIntegrationForger(t *testing.T) {
	l := New(t)
	p := l.Chain(PathConfig{Routers: 1})
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", dst.String()) // neighbours
	}
	f := p.Routers[0].StartForger(ForgerConfig{Interface: p.Links[0].IfB})
	for _, dst := range []netip.Addr{p.Target4(), p.Target6()} {
		out, _ := p.Src.Run(context.Background(), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", dst.String())
		want := []string{"From 198.19.0.", "Time to live exceeded"}
		if dst.Is6() {
			want = []string{"From 2001:db8:ffff::", "Time exceeded: Hop limit"}
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("ping %s past the forger: no %q in\n%s", dst, w, out)
			}
		}
	}
	// Each request draws 2 short errors, a full one, a reply from
	// elsewhere and an altered one (and, IPv4, a bad checksum).
	seen, sent, missed := f.Stats()
	if seen < 2 || sent < 5*seen || missed != 0 {
		t.Errorf("forger saw %d requests (missed %d packets) and sent %d packets, want at least 2 and 5 a request", seen, missed, sent)
	}
	f.Stop()
	seen, _, _ = f.Stats()
	p.Src.MustRun("ping", "-n", "-c", "1", "-W", "1", p.Target4().String())
	if after, _, _ := f.Stats(); after != seen {
		t.Errorf("a stopped forger saw %d more requests", after-seen)
	}
}

// FuzzParseEchoRequest feeds the forger's reading of the packets it sees.
func FuzzParseEchoRequest(f *testing.F) {
	for _, src := range []netip.Addr{netip.MustParseAddr("198.18.1.1"), netip.MustParseAddr("2001:db8:1::1")} {
		dst, proto := netip.MustParseAddr("198.18.2.2"), icmpmsg.ProtoICMP
		m := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 0x4242, Seq: 1}}
		if src.Is6() {
			dst, proto, m.Type = netip.MustParseAddr("2001:db8:2::2"), icmpmsg.ProtoICMPv6, ipv6.ICMPTypeEchoRequest
		}
		f.Add(packettest.IP(src, dst, proto, 64, packettest.ICMP(m, src, dst)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := parseEchoRequest(b)
		if !ok {
			return
		}
		if len(r.icmp) < 8 || len(r.ip) > len(b) || len(r.icmp) > len(r.ip) {
			t.Fatalf("request of %d bytes, icmp %d, from %d", len(r.ip), len(r.icmp), len(b))
		}
		fg := &Forger{cfg: ForgerConfig{Kinds: ForgeAll, Copies: 1}}
		for _, pkt := range fg.forge(r) {
			if len(pkt) < 28 {
				t.Fatalf("forged packet of %d bytes", len(pkt))
			}
		}
	})
}

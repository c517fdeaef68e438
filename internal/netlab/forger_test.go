package netlab

import (
	"context"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
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
	seen, sent := f.Stats()
	if seen < 2 || sent < 5*seen {
		t.Errorf("forger saw %d requests and sent %d packets, want at least 2 and 5 a request", seen, sent)
	}
	f.Stop()
	seen, _ = f.Stats()
	p.Src.MustRun("ping", "-n", "-c", "1", "-W", "1", p.Target4().String())
	if after, _ := f.Stats(); after != seen {
		t.Errorf("a stopped forger saw %d more requests", after-seen)
	}
}

// FuzzParseEchoRequest feeds the forger's reading of the packets it sees.
func FuzzParseEchoRequest(f *testing.F) {
	v4 := []byte{0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1, 0, 0, 198, 18, 1, 1, 198, 18, 2, 2, 8, 0, 0, 0, 0x42, 0x42, 0, 1}
	v6 := make([]byte, 48)
	v6[0], v6[6], v6[7], v6[40] = 0x60, 58, 64, 128
	binary.BigEndian.PutUint16(v6[4:], 8)
	f.Add(v4)
	f.Add(v6)
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

package trace

import (
	"fmt"
	"testing"
)

// TestBlackHole: a path MTU trace whose 1500-byte probes die without a
// word after hop 1 (its link onwards carries 1400) finds the black hole
// with smaller probes, and bisects for the largest size that passes.
func TestBlackHole(t *testing.T) {
	for _, proto := range []Protocol{UDP, ICMP} {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/v6=%v", proto, v6), func(t *testing.T) {
				p := newFakePath(proto, v6, fourHops...)
				p.hops[0].mtu = 1400
				res, _ := runFake(t, p, withConfig(func(c *Config) {
					c.Protocol, c.Port, c.MTU = proto, proto.DefaultPort(), true
					c.Size = 1500 - proto.PacketSize(v6, 0)
				}))
				bh := res.BlackHole
				if bh == nil || bh.After != 1 || bh.Addr != p.hops[0].addr || bh.Reach != 4 || bh.ReachAddr != p.target ||
					bh.Largest != 1400 || bh.Smallest != 1401 || res.PathMTU != 1400 {
					t.Errorf("black hole %+v, path mtu %d: want after hop 1, 1400 bytes reaching the target at hop 4", bh, res.PathMTU)
				}
			})
		}
	}
}

// TestNoBlackHoleOnADeadPath: when smaller probes get no further than the
// large ones, the path is dead, not a black hole, and the trace says only
// that.
func TestNoBlackHoleOnADeadPath(t *testing.T) {
	p := newFakePath(UDP, false, fourHops...)
	p.lose = func(j int) bool { return j >= 3 }
	res, _ := runFake(t, p, withConfig(func(c *Config) { c.MTU, c.Size = true, 1472 }))
	if res.BlackHole != nil || res.Reached || res.EndReason != EndMaxTTL || res.PathMTU != 1500 {
		t.Errorf("black hole %+v, reached %v, end %s, path mtu %d: want a dead path, as far as 1500 bytes went", res.BlackHole, res.Reached, res.EndReason, res.PathMTU)
	}
}

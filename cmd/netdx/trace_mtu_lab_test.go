package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"netdx/internal/netlab"
)

// TestIntegrationTraceMTUBlackHole: "netdx trace --mtu" over a 1400-byte
// link after r1, v4 and v6, udp and icmp probes: when r1 never says
// "fragmentation needed" (a black hole) the trace calls it one, after hop
// 1, and prints 1400 as the largest size that passes, never "path mtu
// 1500"; when r1 says so, the path MTU is 1400 and there is no black hole.
func TestIntegrationTraceMTUBlackHole(t *testing.T) {
	for _, silent := range []bool{true, false} {
		t.Run(fmt.Sprintf("silent=%v", silent), func(t *testing.T) {
			t.Parallel()
			l := netlab.New(t)
			p := chain(l, true, netlab.PathConfig{MTUs: []int{0, 1400}})
			if silent {
				p.Routers[0].SilentTooBig()
			}
			for _, f := range []family{{"IPv4", false}, {"IPv6", true}} {
				for _, proto := range []string{"udp", "icmp"} {
					target := f.target().String()
					code, out, stderr := netdxIn(t, p.Src, nil, "trace", "-n", "--mtu", "-P", proto, target)
					want := []string{"path mtu 1400"}
					if silent {
						want = append(want, fmt.Sprintf("mtu black hole after hop 1 (%s)", f.hop(1)),
							"probes of 1401 bytes and more die", fmt.Sprintf("1400 bytes reach hop 4 (%s)", target))
					}
					for _, w := range want {
						if !strings.Contains(out, w) {
							t.Errorf("%s -P %s: no %q in:\n%s%s", target, proto, w, out, stderr)
						}
					}
					if strings.Contains(out, "path mtu 1500") || !silent && strings.Contains(out, "black hole") {
						t.Errorf("%s -P %s: exit %d:\n%s%s", target, proto, code, out, stderr)
					}
				}
			}
			if !silent {
				return
			}
			_, out, _ := netdxIn(t, p.Src, nil, "trace", "--json", "-n", "--mtu", p.Target4().String())
			var doc struct {
				PathMTU   int `json:"path_mtu"`
				BlackHole *struct {
					After   int    `json:"after_hop"`
					Addr    string `json:"addr"`
					Reach   int    `json:"reach_hop"`
					Largest int    `json:"largest_ok"`
				} `json:"black_hole"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			if bh := doc.BlackHole; bh == nil || bh.After != 1 || bh.Addr != p.Hop4(1).String() || bh.Reach != 4 || bh.Largest != 1400 || doc.PathMTU != 1400 {
				t.Errorf("json: path mtu %d, black hole %+v: want after hop 1, 1400 bytes to hop 4", doc.PathMTU, bh)
			}
		})
	}
}

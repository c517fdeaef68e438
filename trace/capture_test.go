package trace

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"netdx/internal/netlab"
)

var updateFlag = flag.Bool("update", false, "capture the ICMP fixtures in ../icmpmsg/testdata/captured again (needs root)")

// captureCase is one lab set-up whose ICMP traffic becomes a fixture.
type captureCase struct {
	file  string
	v6    bool
	proto Protocol
	rule  string // nftables rule on r1 (forward), %s is the target
	mtu   bool   // shrink r1's link to r2 to 1280 and trace with --mtu
}

func captureCases() []captureCase {
	var cs []captureCase
	for code := 0; code <= 15; code++ {
		if code == 4 {
			continue // Fragmentation Needed comes from a real small MTU below
		}
		cs = append(cs, captureCase{file: fmt.Sprintf("v4-unreach-code%d.txt", code), proto: UDP,
			rule: "ip daddr %s reject with icmp " + fmt.Sprint(code)})
	}
	for code := 0; code <= 7; code++ {
		cs = append(cs, captureCase{file: fmt.Sprintf("v6-unreach-code%d.txt", code), v6: true, proto: UDP,
			rule: "ip6 daddr %s reject with icmpv6 " + fmt.Sprint(code)})
	}
	for _, v6 := range []bool{false, true} {
		f := "v4"
		if v6 {
			f = "v6"
		}
		cs = append(cs,
			captureCase{file: f + "-fragneeded.txt", v6: v6, proto: UDP, mtu: true},
			captureCase{file: f + "-udp-reached.txt", v6: v6, proto: UDP},
			captureCase{file: f + "-icmp-reached.txt", v6: v6, proto: ICMP},
			captureCase{file: f + "-tcp-timeexceeded.txt", v6: v6, proto: TCP},
		)
	}
	return cs
}

// TestIntegrationCaptureFixtures captures, with tcpdump in the lab, the
// ICMP errors that netdx's own probes draw from a Linux router (nftables
// rejects with every code, a 1280-byte link) and target, into
// ../icmpmsg/testdata/captured/*.txt: the tcpdump lines above the bytes. It runs only
// with -update; TestFixtures reads what it wrote.
func TestIntegrationCaptureFixtures(t *testing.T) {
	if !*updateFlag {
		t.Skip("run with -update to capture the fixtures again")
	}
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 2})
	fastRouters(p, true)
	r1 := p.Routers[0]
	for _, dst := range []string{p.Target4().String(), p.Target6().String()} {
		p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", dst) // neighbours, before any capture
	}
	if err := os.MkdirAll(capturedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range captureCases() {
		t.Run(c.file, func(t *testing.T) {
			target := p.Target4()
			if c.v6 {
				target = p.Target6()
			}
			r1.ClearFaults()
			if c.rule != "" {
				r1.Fault(netlab.Forward, fmt.Sprintf(c.rule, target))
			}
			if c.mtu {
				r1.MustRun("ip", "link", "set", p.Links[1].IfA, "mtu", "1280")
				p.Routers[1].MustRun("ip", "link", "set", p.Links[1].IfB, "mtu", "1280")
				defer r1.MustRun("ip", "link", "set", p.Links[1].IfA, "mtu", "1500")
				defer p.Routers[1].MustRun("ip", "link", "set", p.Links[1].IfB, "mtu", "1500")
			}
			r1addr := p.Hop4(1)
			if c.v6 {
				r1addr = p.Hop6(1)
			}
			desc := fmt.Sprintf("netdx %s probes from src to %s (r1 %s)", c.proto, target, r1addr)
			switch {
			case c.rule != "":
				desc += "; r1 forward: " + fmt.Sprintf(c.rule, target)
			case c.mtu:
				desc += "; r1's link to r2 has MTU 1280, probes start at 1500 with DF (--mtu)"
			}
			out := captureICMP(t, p, func() {
				res := traceIn(t, p.Src, target, withConfig(func(cfg *Config) {
					cfg.Protocol, cfg.Queries, cfg.MaxTTL, cfg.Wait, cfg.MTU = c.proto, 1, 4, time.Second, c.mtu
				}))
				t.Logf("trace: %s (%s)", hopAddrs(res), res.EndReason)
			})
			text := "# captured by TestIntegrationCaptureFixtures (go test ./trace -run TestIntegrationCaptureFixtures -update): " + desc + "\n" +
				"# tcpdump --immediate-mode -n -U -i eth0 -w capture.pcap '(icmp or icmp6) and not (icmp6 and ip6[40] >= 133)'\n# tcpdump -n -v -x -r capture.pcap\n" + out
			if err := os.WriteFile(filepath.Join(capturedDir, c.file), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// captureICMP runs fn while tcpdump records the ICMP reaching src, and
// returns tcpdump's reading of the capture.
func captureICMP(t *testing.T, p *netlab.Path, fn func()) string {
	t.Helper()
	return p.Src.Capture(p.Links[0].IfA, "(icmp or icmp6) and not (icmp6 and ip6[40] >= 133)", fn)
}

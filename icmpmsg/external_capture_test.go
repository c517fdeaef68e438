package icmpmsg_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"netdx/icmpmsg"
	"netdx/internal/netlab"
)

// TestIntegrationCaptureExternal re-creates the external fixtures: each
// published packet, its addresses mapped into the lab, is sent by r1 to
// src with a raw socket and captured on src by tcpdump. It runs only
// with -update; TestExternalFixtures reads what it wrote.
func TestIntegrationCaptureExternal(t *testing.T) {
	if !*icmpmsg.Update {
		t.Skip("run with -update to re-create the external fixtures")
	}
	l := netlab.New(t)
	p := l.Chain(netlab.PathConfig{Routers: 1})
	p.Src.MustRun("ping", "-n", "-c", "1", "-W", "2", p.Target4().String()) // neighbours
	if err := os.MkdirAll(filepath.Join("testdata", "external"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, x := range icmpmsg.ExternalFixtures() {
		pkt := x.Relabel(t, p.Hop4(1), p.Src.Addr4(), p.Target4())
		out := p.Src.Capture(p.Links[0].IfA, "icmp", func() {
			err := p.Routers[0].Do(func() error {
				fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
				if err != nil {
					return err
				}
				defer unix.Close(fd)
				return unix.Sendto(fd, pkt, 0, &unix.SockaddrInet4{Addr: p.Src.Addr4().As4()})
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		text := fmt.Sprintf("# re-created from %s: %s.\n", x.Source, x.About) +
			"# The ICMP bytes are the published ones; the addresses are mapped into the lab (the router is r1, " +
			"the tracing host src, the probe's target dst) and the checksums made right again. Sent by r1 " +
			"with a raw socket and captured on src by TestIntegrationCaptureExternal " +
			"(go test ./icmpmsg -run TestIntegrationCaptureExternal -update):\n" +
			"# tcpdump -n -v -x -r capture.pcap\n" + out
		if err := os.WriteFile(filepath.Join("testdata", "external", x.File), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

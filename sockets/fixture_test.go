package sockets

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netdx/internal/fixture"
	"netdx/internal/netlab"
)

var update = flag.Bool("update", false, "capture kernel dumps from a lab namespace into testdata/ again")

// TestIntegrationFixtures captures the sock_diag dumps the unit tests read,
// from a lab namespace b with ncat listening on telnet (23, v4 and v6) and
// tftp (69/udp), two connections from a, and two tcpdumps (one
// promiscuous on eth0, one -p on lo); "ss -Htuan -e" and /proc/net/packet of
// the same moment go next to them. It only runs with -update.
func TestIntegrationFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to capture the fixtures again")
	}
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	start(t, b, "ncat", "-l", "-k", "23")
	start(t, b, "ncat", "-l", "-u", "69")
	b.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null")
	b.StartTcpdump("-i", "lo", "-p", "-n", "-w", "/dev/null")
	b.WaitListening(23)
	for _, dst := range []string{"198.18.0.2:23", "[2001:db8::2]:23"} {
		var c net.Conn
		if err := a.Do(func() (err error) { c, err = net.DialTimeout("tcp", dst, 5*time.Second); return err }); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintln(c, "hello")
	}
	sleep := start(t, b, "sleep", "600") // StartTcpdump returned once tcpdump listened

	type dumpSpec struct {
		file     string
		fam, pro uint8
		info     bool
	}
	specs := []dumpSpec{
		{"inet_diag_tcp4.hex", unix.AF_INET, unix.IPPROTO_TCP, true},
		{"inet_diag_tcp6.hex", unix.AF_INET6, unix.IPPROTO_TCP, true},
		{"inet_diag_udp4.hex", unix.AF_INET, unix.IPPROTO_UDP, false},
		{"inet_diag_udp6.hex", unix.AF_INET6, unix.IPPROTO_UDP, false},
	}
	for try := 0; ; try++ {
		before := b.MustRun("ss", "-Htuan", "-e")
		dumps := map[string][][]byte{}
		err := b.Do(func() error {
			c, err := openDiag()
			if err != nil {
				return err
			}
			defer c.Close()
			for _, s := range specs {
				err := c.dump(sockDiagByFamily, inetDiagRequest(s.fam, s.pro, ^uint32(0), s.info), func(m []byte) error {
					dumps[s.file] = append(dumps[s.file], bytes.Clone(m))
					return nil
				})
				if err != nil {
					return err
				}
			}
			return c.dump(sockDiagByFamily, packetDiagRequest(), func(m []byte) error {
				dumps["packet_diag.hex"] = append(dumps["packet_diag.hex"], bytes.Clone(m))
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		packet, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/packet", sleep.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		after := b.MustRun("ss", "-Htuan", "-e")
		if before != after && try < 10 {
			continue
		}
		rel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
		for f, msgs := range dumps {
			fixture.WriteHex(t, filepath.Join("testdata", f),
				"sock_diag answers (payload after the netlink header), Linux "+string(bytes.TrimSpace(rel))+".\n"+
					"Namespace with ncat -l -k 23, ncat -l -u 69, two connections to :23 (v4, v6),\n"+
					"tcpdump -i eth0 (promiscuous) and tcpdump -i lo -p. ss.txt is \"ss -Htuan -e\" of the same moment.", msgs)
		}
		if err := os.WriteFile("testdata/ss.txt", []byte(dropNoise(after)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/proc_net_packet", packet, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
}

// dropNoise removes the warnings ss prints (on stderr, which the lab's Run
// mixes in) when it finds no cgroup2 mount.
func dropNoise(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "Failed to find cgroup2") {
			b.WriteString(line)
		}
	}
	return b.String()
}

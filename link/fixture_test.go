package link

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"netdx/internal/fixture"
	"netdx/internal/netlab"
	"netdx/internal/testkit"
)

var update = flag.Bool("update", false, "capture kernel dumps from a lab namespace into testdata/ again")

// TestIntegrationFixtures captures the fixtures the unit tests read: a link
// dump of a lab namespace with a bridge port, a PROMISC interface and
// tcpdump running, "ip -s -s -d -j link" of the same moment, and the
// namespace's /proc/net/snmp, netstat and snmp6 with "nstat -az --json".
// It only runs with -update.
func TestIntegrationFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to capture the fixtures again")
	}
	l := netlab.New(t)
	a, b := l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24"), B: netlab.Prefixes("198.18.0.2/24")})
	a.MustRun("ip", "link", "add", "br0", "type", "bridge")
	a.MustRun("ip", "link", "add", "vp0", "type", "veth", "peer", "name", "vp1")
	a.MustRun("ip", "link", "set", "vp0", "master", "br0")
	a.MustRun("ip", "link", "add", "vq0", "type", "veth", "peer", "name", "vq1")
	a.MustRun("ip", "link", "set", "vq0", "promisc", "on")
	for _, d := range []string{"br0", "vp0", "vp1", "vq0", "vq1"} {
		a.MustRun("ip", "link", "set", d, "up")
	}
	a.MustRun("ping", "-c", "5", "-i", "0.01", "198.18.0.2")
	// Some TCP for the counters: connections refused by b (RST).
	if err := a.Do(func() error {
		for range 3 {
			if c, err := net.DialTimeout("tcp", "198.18.0.2:9", time.Second); err == nil {
				c.Close()
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	td := startTcpdump(t, a, "eth0", true)
	waitPromisc(t, a, "eth0", 1)
	_ = td

	// A dump between two readings of ip that agree: nothing moved.
	type dump struct {
		msgs   [][]byte
		ipJSON string
	}
	d := testkit.Poll(t, "the counters to stand still around a dump", testkit.Guard, 200*time.Millisecond, func() (dump, bool) {
		before := a.MustRun("ip", "-s", "-s", "-d", "-j", "link")
		var msgs [][]byte
		err := a.Do(func() error {
			_, err := dumpLinkMessages(func(m []byte) bool {
				msgs = append(msgs, bytes.Clone(m))
				return true
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		after := a.MustRun("ip", "-s", "-s", "-d", "-j", "link")
		return dump{msgs, after}, before == after
	})
	msgs, ipJSON := d.msgs, d.ipJSON
	dir := "testdata"
	fixture.WriteHex(t, filepath.Join(dir, "rtnl_link_dump.hex"),
		"RTM_NEWLINK payloads (ifinfomsg + IFLA attributes) of a link dump, Linux "+kernel(t)+",\n"+
			"namespace with lo, eth0 (veth, tcpdump running promiscuously), br0 with port vp0, vp1, vq0 (promisc on) and its peer vq1.\n"+
			"ip_link.json is \"ip -s -s -d -j link\" of the same moment.", msgs)
	write(t, filepath.Join(dir, "ip_link.json"), ipJSON)

	// /proc/net counters of the namespace, and nstat's view of them.
	sleep := a.Command(context.Background(), "sleep", "600")
	if err := a.Start(sleep); err != nil {
		t.Fatal(err)
	}
	type counters struct {
		files map[string][]byte
		nstat string
	}
	c := testkit.Poll(t, "the counters to stand still around a reading", testkit.Guard, 200*time.Millisecond, func() (counters, bool) {
		before := a.MustRun("nstat", "-a", "-z", "-s", "--json")
		files := map[string][]byte{}
		for _, f := range []string{"snmp", "netstat", "snmp6"} {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", sleep.Process.Pid, f))
			if err != nil {
				t.Fatal(err)
			}
			files[f] = data
		}
		after := a.MustRun("nstat", "-a", "-z", "-s", "--json")
		return counters{files, after}, before == after
	})
	for f, data := range c.files {
		write(t, filepath.Join(dir, "procnet", f), string(data))
	}
	write(t, filepath.Join(dir, "nstat.json"), c.nstat)
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func kernel(t *testing.T) string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(b))
}

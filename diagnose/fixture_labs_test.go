package diagnose

import (
	"net/netip"
	"testing"
	"time"

	"netdx/internal/netlab"
)

// recordings are the labs of the host fixtures: the host scenarios of
// "netdx diagnose" and the traps its rules must not fall into.
func recordings() []recording {
	return []recording{{
		name: "clean", about: "a host with one link and nothing running", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			return a, nil
		},
	}, {
		name: "tcpdump", about: "tcpdump capturing eth0 in promiscuous mode", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, extra map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			extra["tcpdump"] = a.StartTcpdump("-i", "eth0", "-n", "-w", "/dev/null").Process.Pid
			return a, nil
		},
		check: func(t *testing.T, f hostFixture) {
			if c := linkNamed(t, f, "eth0").Promisc.Captures; len(c) != 1 || c[0].PID != f.Extra["tcpdump"] {
				t.Errorf("eth0 captures %+v, want tcpdump's", c)
			}
		},
	}, {
		name: "promisc-flag", about: "ip link set eth0 promisc on", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			a.MustRun("ip", "link", "set", "eth0", "promisc", "on")
			return a, nil
		},
	}, {
		name: "lossy-transfer", about: "a bulk TCP transfer through a router that drops 10 % of it", interval: 2 * time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			p := l.Chain(netlab.PathConfig{Routers: 1})
			dst := netip.AddrPortFrom(p.Target4(), 5001)
			p.Dst.Sink(dst)
			p.Routers[0].Loss(netlab.Forward, netip.PrefixFrom(p.Target4(), 32), 10)
			p.Src.StartStream(dst)
			return p.Src, nil
		},
		check: func(t *testing.T, f hostFixture) {
			if iv := f.Snapshot.TCP.Interval; iv == nil || iv.RetransSegs == 0 {
				t.Errorf("no retransmits over the interval: %+v", iv)
			}
		},
	}, {
		name: "cleartext", about: "ncat as telnet on 23 (v4 and v6) and as http on 127.0.0.1:80", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, extra map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			extra["telnet"] = startNcat(t, a, 23, "23")
			extra["http"] = startNcat(t, a, 80, "127.0.0.1", "80")
			return a, nil
		},
	}, {
		name: "deleted-exe", about: "ncat copied to /tmp as implant, listening on 4444, its file deleted", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, extra map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			cmd, _ := a.StartDeleted("ncat", "implant", "-l", "-k", "4444")
			a.WaitListening(4444)
			extra["implant"] = cmd.Process.Pid
			return a, nil
		},
	}, {
		name: "flapping", about: "the peer of eth0 taken down and up every 200 ms while the interval is sampled", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, b := pair(l)
			b.Flap("eth0", 200*time.Millisecond)
			return a, nil
		},
		check: func(t *testing.T, f hostFixture) {
			if r := linkNamed(t, f, "eth0").Rates; r == nil || r.CarrierChanges < 2 {
				t.Errorf("eth0 rates %+v: no carrier changes in the interval", r)
			}
		},
	}, {
		name: "time-wait", about: "195 connections closed first by a to 198.18.0.2:8080; 200 local ports, tcp_tw_reuse 0", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, b := pair(l)
			a.Sysctl("net.ipv4.ip_local_port_range", "40000 40199")
			a.Sysctl("net.ipv4.tcp_tw_reuse", "0")
			dst := netip.MustParseAddrPort("198.18.0.2:8080")
			b.Sink(dst)
			if err := a.OpenAndClose(dst, 195); err != nil {
				t.Fatal(err)
			}
			return a, nil
		},
	}, {
		name: "bridge-port", about: "eth0 a port of bridge br0: promiscuous by design", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			a.MustRun("ip", "link", "add", "br0", "type", "bridge")
			a.MustRun("ip", "link", "set", "eth0", "master", "br0")
			a.MustRun("ip", "link", "set", "br0", "up")
			return a, nil
		},
		check: func(t *testing.T, f hostFixture) {
			if e := linkNamed(t, f, "eth0"); e.Promiscuity != 1 || e.Promisc.Unexplained != 0 {
				t.Errorf("eth0 %+v: want a promiscuity of 1 explained by the bridge", e.Promisc)
			}
		},
	}, {
		name: "dhclient-capture", about: "tcpdump copied as dhclient, capturing eth0 in promiscuous mode", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, extra map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			extra["dhclient"] = a.StartTcpdumpAs("dhclient", "-i", "eth0", "-n", "-w", "/dev/null").Process.Pid
			return a, nil
		},
	}, {
		name: "drops-now", about: "eth0 drops oversized frames (MTU 9000 against its peer's 1500) during the interval", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, _ := pair(l)
			drop := dropping(a)
			return a, func() { drop(60) }
		},
		check: func(t *testing.T, f hostFixture) {
			if r := linkNamed(t, f, "eth0").Rates; r == nil || r.Reset || r.Delta.TxDropped < 10 {
				t.Errorf("eth0 rates %+v: want 10 drops or more in the interval", r)
			}
		},
	}, {
		name: "since-boot", about: "eth0 dropped frames and flapped 12 times before the interval, not during it", interval: time.Second,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, b := pair(l)
			dropping(a)(20)
			b.FlapTimes("eth0", 12)
			return a, nil
		},
		check: func(t *testing.T, f hostFixture) {
			e := linkNamed(t, f, "eth0")
			if e.Stats.TxDropped < 10 || e.CarrierChanges < 24 || e.Rates == nil || e.Rates.Delta.TxDropped != 0 || e.Rates.CarrierChanges != 0 {
				t.Errorf("eth0 %+v rates %+v: want drops and carrier changes before the interval only", e.Stats, e.Rates)
			}
		},
	}, {
		name: "since-boot-once", about: "as since-boot, read once without an interval", interval: 0,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, b := pair(l)
			dropping(a)(20)
			b.FlapTimes("eth0", 12)
			return a, nil
		},
	}, {
		name: "counter-reset", about: "eth0 re-created during the interval, then dropping frames: its counters start again", interval: 1500 * time.Millisecond,
		build: func(t *testing.T, l *netlab.Lab, _ map[string]int) (*netlab.Node, func()) {
			a, b := pair(l)
			return a, func() {
				time.Sleep(300 * time.Millisecond) // after the first sample
				a.MustRun("ip", "link", "del", "eth0")
				a.MustRun("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b.Namespace())
				a.MustRun("ip", "addr", "add", "198.18.0.1/24", "dev", "eth0")
				b.MustRun("ip", "addr", "add", "198.18.0.2/24", "dev", "eth0")
				b.MustRun("ip", "link", "set", "eth0", "up")
				a.MustRun("ip", "link", "set", "eth0", "up")
				dropping(a)(20)
			}
		},
		check: func(t *testing.T, f hostFixture) {
			if e := linkNamed(t, f, "eth0"); e.Rates == nil || !e.Rates.Reset || e.Stats.TxDropped < 10 {
				t.Errorf("eth0 stats %+v rates %+v: want a reset and drops after it", e.Stats, e.Rates)
			}
		},
	}}
}

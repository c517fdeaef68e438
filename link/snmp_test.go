package link

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func loadCounters(t testing.TB) Counters {
	t.Helper()
	c := Counters{}
	for _, f := range []struct {
		name  string
		parse func([]byte, Counters) error
	}{{"snmp", ParseSNMP}, {"netstat", ParseSNMP}, {"snmp6", ParseSNMP6}} {
		b, err := os.ReadFile("testdata/procnet/" + f.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.parse(b, c); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	return c
}

// TestCountersMatchNstat checks every counter nstat read from the same
// namespace at the same moment against the parsed /proc/net files.
func TestCountersMatchNstat(t *testing.T) {
	c := loadCounters(t)
	b, err := os.ReadFile("testdata/nstat.json")
	if err != nil {
		t.Fatal(err)
	}
	var ns struct {
		Kernel map[string]int64 `json:"kernel"`
	}
	if err := json.Unmarshal(b, &ns); err != nil {
		t.Fatal(err)
	}
	flat := map[string]int64{}
	for g, m := range c {
		for k, v := range m {
			flat[g+k] = v
		}
	}
	checked := 0
	for k, v := range ns.Kernel {
		got, ok := flat[k]
		if !ok {
			t.Errorf("%s: nstat has it, the parser does not", k)
			continue
		}
		if got != v {
			t.Errorf("%s = %d, nstat says %d", k, got, v)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d counters compared", checked)
	}
	tcp := TCPFrom(c)
	if tcp.OutSegs != ns.Kernel["TcpOutSegs"] || tcp.RetransSegs != ns.Kernel["TcpRetransSegs"] ||
		tcp.SynRetrans != ns.Kernel["TcpExtTCPSynRetrans"] || tcp.Timeouts != ns.Kernel["TcpExtTCPTimeouts"] {
		t.Errorf("TCPFrom = %+v, nstat %v/%v/%v/%v", tcp, ns.Kernel["TcpOutSegs"], ns.Kernel["TcpRetransSegs"],
			ns.Kernel["TcpExtTCPSynRetrans"], ns.Kernel["TcpExtTCPTimeouts"])
	}
	icmp := ICMPFrom(c)
	if icmp.InMsgs != ns.Kernel["IcmpInMsgs"] || icmp.Out6Msgs != ns.Kernel["Icmp6OutMsgs"] {
		t.Errorf("ICMPFrom = %+v", icmp)
	}
}

func TestParseSNMPErrors(t *testing.T) {
	for name, in := range map[string]string{
		"values without names": "Tcp: 1 2 3\n",
		"count mismatch":       "Tcp: A B\nTcp: 1\n",
		"not a number":         "Tcp: A\nTcp: x\n",
		"no group":             "garbage\n",
	} {
		if err := ParseSNMP([]byte(in), Counters{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c := Counters{}
	if err := ParseSNMP([]byte("Tcp: MaxConn OutSegs\nTcp: -1 18446744073709551615\n"), c); err != nil {
		t.Fatal(err)
	}
	if c.Get("Tcp", "MaxConn") != -1 {
		t.Errorf("MaxConn = %d", c.Get("Tcp", "MaxConn"))
	}
}

func TestTCPDelta(t *testing.T) {
	prev := TCP{OutSegs: 1000, RetransSegs: 10}
	cur := TCP{OutSegs: 1500, RetransSegs: 35, Timeouts: 2}
	d := TCPDelta(prev, cur)
	if d.OutSegs != 500 || d.RetransSegs != 25 || d.RetransRatio != 0.05 || d.Timeouts != 2 || d.Reset {
		t.Errorf("delta %+v", d)
	}
	if d := TCPDelta(cur, prev); !d.Reset || d.RetransRatio != 0 {
		t.Errorf("backwards counters: %+v, want reset", d)
	}
}

func FuzzParseSNMP(f *testing.F) {
	for _, name := range []string{"snmp", "netstat"} {
		b, err := os.ReadFile("testdata/procnet/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Counters{}
		if err := ParseSNMP(b, c); err == nil {
			_ = TCPFrom(c)
		}
	})
}

func FuzzParseSNMP6(f *testing.F) {
	b, err := os.ReadFile("testdata/procnet/snmp6")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Counters{}
		if err := ParseSNMP6(b, c); err == nil {
			_ = ICMPFrom(c)
		}
	})
}

// TestCollectProcNet points Collect at saved /proc/net files: the TCP and
// ICMP health comes from there, not from the running namespace.
func TestCollectProcNet(t *testing.T) {
	snap, err := Collect(context.Background(), Config{ProcNet: "testdata/procnet"})
	if err != nil {
		t.Fatal(err)
	}
	c := loadCounters(t)
	if snap.TCP != TCPFrom(c) || snap.ICMP != ICMPFrom(c) {
		t.Errorf("TCP %+v ICMP %+v, the files say %+v %+v", snap.TCP, snap.ICMP, TCPFrom(c), ICMPFrom(c))
	}
	if len(snap.Links) == 0 || snap.Links[0].Type != "loopback" {
		t.Errorf("links of the current namespace: %+v", snap.Links)
	}
	if _, err := Collect(context.Background(), Config{ProcNet: t.TempDir()}); err == nil {
		t.Error("no error for a directory without snmp")
	}
	if _, err := Collect(context.Background(), Config{ProcNet: "testdata/procnet", Interfaces: []string{"nosuch0"}}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("unknown interface: %v", err)
	}
}

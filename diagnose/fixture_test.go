package diagnose

import (
	"context"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"netdx/internal/netlab"
	"netdx/link"
	"netdx/sockets"
)

var update = flag.Bool("update", false, "record the host fixtures in testdata/host from lab namespaces again")

// hostFixture is what "netdx diagnose" reads of a host: the interface
// snapshot (sampled over an interval) and the socket table, recorded in a
// lab namespace.
type hostFixture struct {
	About    string         `json:"about"`
	Snapshot LinkEvidence   `json:"snapshot"`
	Table    sockets.Table  `json:"table"`
	Extra    map[string]int `json:"extra,omitempty"` // pids and counts the tests compare with
}

// loadFixture reads testdata/host/NAME.json. The socket addresses JSON
// leaves out are parsed back from their text.
func loadFixture(t *testing.T, name string) hostFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "host", name+".json"))
	if err != nil {
		t.Fatalf("%v (record the fixtures with: go test ./diagnose -run TestIntegrationHostFixtures -update)", err)
	}
	var f hostFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i := range f.Table.Sockets {
		s := &f.Table.Sockets[i]
		s.LocalAddr = netip.MustParseAddrPort(s.Local)
		s.RemoteAddr = netip.MustParseAddrPort(s.Remote)
	}
	return f
}

// recording is one lab the fixtures come from.
type recording struct {
	name, about string
	interval    time.Duration
	// build makes the lab and returns the node to read; during, when
	// set, runs while the interval is sampled (it starts with it).
	build func(t *testing.T, l *netlab.Lab, extra map[string]int) (node *netlab.Node, during func())
	// check makes sure the lab showed what the fixture is for before it
	// is written (a recorder that raced would keep a wrong fixture).
	check func(t *testing.T, f hostFixture)
}

// TestIntegrationHostFixtures records, from lab namespaces, the snapshots
// and tables the host rules are unit-tested on: every host scenario of
// "netdx diagnose" and the traps. It only runs with -update.
func TestIntegrationHostFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to record the host fixtures again")
	}
	for _, r := range recordings() {
		t.Run(r.name, func(t *testing.T) {
			l := netlab.New(t)
			extra := map[string]int{}
			node, during := r.build(t, l, extra)
			ns := "/run/netns/" + node.Namespace()
			type result struct {
				snap link.Snapshot
				err  error
			}
			done := make(chan result, 1)
			go func() {
				snap, err := link.Collect(context.Background(), link.Config{NetNS: ns, Interval: r.interval})
				done <- result{snap, err}
			}()
			if during != nil {
				during()
			}
			res := <-done
			if res.err != nil {
				t.Fatal(res.err)
			}
			// The link check's capture sockets, read when its interval ends
			// (check.Link does the same).
			caps, err := sockets.Capture(context.Background(), sockets.CaptureConfig{NetNS: ns})
			if err != nil {
				t.Fatal(err)
			}
			sc := sockets.DefaultConfig()
			sc.NetNS, sc.Owners, sc.Routes = ns, true, true
			table, err := sockets.List(context.Background(), sc)
			if err != nil {
				t.Fatal(err)
			}
			f := hostFixture{About: r.about, Snapshot: NewLinkEvidence(res.snap, caps, nil), Table: table, Extra: extra}
			if r.check != nil {
				r.check(t, f)
			}
			if t.Failed() {
				return
			}
			b, err := json.MarshalIndent(f, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join("testdata", "host"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", "host", r.name+".json"), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// pair joins host a (198.18.0.1) and b (198.18.0.2) with one veth pair.
func pair(l *netlab.Lab) (a, b *netlab.Node) {
	a, b = l.Node("a"), l.Node("b")
	l.Connect(a, b, netlab.LinkConfig{A: netlab.Prefixes("198.18.0.1/24", "2001:db8::1/64"), B: netlab.Prefixes("198.18.0.2/24", "2001:db8::2/64")})
	return a, b
}

// dropping makes a's eth0 drop what it sends to b: a's MTU is 9000, b's
// 1500, and a veth drops a frame its peer cannot take. It returns a
// function that sends n oversized pings, 25 ms apart.
func dropping(a *netlab.Node) func(n int) {
	a.MustRun("ip", "link", "set", "eth0", "mtu", "9000")
	return func(n int) {
		_, _ = a.Run(context.Background(), "ping", "-n", "-q", "-c", strconv.Itoa(n), "-i", "0.025", "-W", "0.1", "-s", "5000", "198.18.0.2")
	}
}

func linkNamed(t *testing.T, f hostFixture, name string) Interface {
	t.Helper()
	for _, l := range f.Snapshot.Links {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no interface %s in %+v", name, f.Snapshot.Links)
	return Interface{}
}

func startNcat(t *testing.T, n *netlab.Node, port int, args ...string) int {
	t.Helper()
	cmd := n.Command(context.Background(), "ncat", append([]string{"-l", "-k"}, args...)...)
	if err := n.Start(cmd); err != nil {
		t.Fatal(err)
	}
	n.WaitListening(port)
	return cmd.Process.Pid
}

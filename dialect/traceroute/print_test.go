package traceroute

import (
	"bytes"
	"flag"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"netdx/internal/testkit"
	"netdx/trace"
	"netdx/trace/tracetest"
)

var update = flag.Bool("update", false, "write the golden files again")

func TestTraceGolden(t *testing.T) {
	res := tracetest.Sample()
	var b bytes.Buffer
	Header(&b, res.Target, res.Addr, 30, 60)
	p := &Printer{W: &b}
	p.Start()
	for _, h := range res.Hops {
		p.Hop(h)
	}
	p.Footer(res)
	b.WriteString("-- with -v:\n")
	p = &Printer{W: &b, Verbose: true}
	p.Start()
	p.Hop(res.Hops[2])
	p.Close()
	testkit.Golden(t, filepath.Join("testdata", "text.golden"), b.String(), *update)
}

// names is a Namer that knows one name and counts the lookups.
type names struct{ asked int }

func (n *names) Name(a netip.Addr, wait time.Duration) string {
	n.asked++
	if a == netip.MustParseAddr("198.18.1.2") && wait > 0 {
		return "r1.lab"
	}
	return ""
}

// TestNamesMTUAndEnds: names as traceroute shows them, --mtu's notes and
// the footer of a trace that did not reach its target.
func TestNamesMTUAndEnds(t *testing.T) {
	a := netip.MustParseAddr
	hop := func(ttl int, addr string, replyTTL, pmtu int) trace.Hop {
		return trace.Hop{TTL: ttl, PMTU: pmtu, Probes: []trace.Probe{{Addr: a(addr), RTT: time.Millisecond, ReplyTTL: replyTTL}}}
	}
	var b bytes.Buffer
	n := &names{}
	p := &Printer{W: &b, Names: n, MTU: true}
	p.Start()
	p.Hop(hop(1, "198.18.1.2", 64, 1500))
	p.Hop(hop(2, "198.18.2.2", 60, 1500))
	p.Hop(hop(3, "198.18.3.2", 0, 1400))
	p.Footer(trace.Result{Addr: a("198.18.4.2"), PathMTU: 1400, EndReason: trace.EndMaxTTL, Hops: make([]trace.Hop, 3)})
	want := " 1  r1.lab (198.18.1.2)  1.000 ms  pmtu 1500\n" +
		" 2  198.18.2.2  1.000 ms  asymm 5\n" +
		" 3  198.18.3.2  1.000 ms  pmtu 1400\n" +
		"     path mtu 1400\n" +
		"     no answer from 198.18.4.2 within 3 hops\n"
	if b.String() != want || n.asked != 3 {
		t.Errorf("got (%d lookups):\n%swant:\n%s", n.asked, b.String(), want)
	}
	b.Reset()
	(&Printer{W: &b}).Footer(trace.Result{EndReason: trace.EndCanceled})
	if b.String() != "     interrupted\n" {
		t.Errorf("interrupted: %q", b.String())
	}
}

// TestUnverifiedNote: -v says which answers were unverified (ICMP errors
// quoting too little to hold the probe's token); without -v the line is
// traceroute's.
func TestUnverifiedNote(t *testing.T) {
	a := netip.MustParseAddr("198.18.2.2")
	h := trace.Hop{TTL: 2, Unverified: true, Probes: []trace.Probe{
		{Addr: a, RTT: time.Millisecond, Unverified: true}, {Timeout: true}, {Addr: a, RTT: 2 * time.Millisecond, Unverified: true}}}
	for _, verbose := range []bool{false, true} {
		var b bytes.Buffer
		p := &Printer{W: &b, Verbose: verbose}
		p.Start()
		p.Hop(h)
		p.Close()
		want := " 2  198.18.2.2  1.000 ms *  2.000 ms\n"
		if verbose {
			want = " 2  198.18.2.2  1.000 ms *  2.000 ms  (2 unverified: quoted without the probe's token)\n"
		}
		if b.String() != want {
			t.Errorf("verbose %v: %q, want %q", verbose, b.String(), want)
		}
	}
}

// TestBlackHoleFooter: an MTU black hole is said as one, with the largest
// size that passes as the path MTU; the target that answered the smaller
// probes is not "no answer".
func TestBlackHoleFooter(t *testing.T) {
	a := netip.MustParseAddr
	var b bytes.Buffer
	p := &Printer{W: &b, MTU: true}
	p.Footer(trace.Result{Addr: a("198.18.4.2"), PathMTU: 1400, EndReason: trace.EndMaxTTL, Hops: make([]trace.Hop, 30),
		BlackHole: &trace.BlackHole{After: 1, Addr: a("198.18.1.2"), Reach: 4, ReachAddr: a("198.18.4.2"), Largest: 1400, Smallest: 1401}})
	want := "     mtu black hole after hop 1 (198.18.1.2): probes of 1401 bytes and more die without \"fragmentation needed\", 1400 bytes reach hop 4 (198.18.4.2)\n" +
		"     path mtu 1400\n"
	if b.String() != want {
		t.Errorf("got:\n%swant:\n%s", b.String(), want)
	}
}

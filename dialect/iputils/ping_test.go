package iputils

import (
	"bytes"
	"flag"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"netdx/internal/testkit"
	"netdx/probe"
	"netdx/probe/probetest"
)

var update = flag.Bool("update", false, "write the golden files again")

func TestPingTextGolden(t *testing.T) {
	r := probetest.Result("198.18.2.2", 5, 20.412, 20.388, 20.501, 21.090, 20.377)
	r.Duplicates, r.Invalid, r.Reordered = 1, 2, 1
	var b bytes.Buffer
	v := &View{W: &b}
	v.Header(probe.Target{Name: "198.18.2.2", Addr: netip.MustParseAddr("198.18.2.2")}, 56)
	v.Summary(r, 4012*time.Millisecond)
	b.WriteString("-- with -v:\n")
	v.Verbose = true
	v.Summary(r, 4012*time.Millisecond)
	testkit.Golden(t, filepath.Join("testdata", "single.golden"), b.String(), *update)

	b.Reset()
	v.Summary(probe.Result{Target: "nosuch.example", Error: "cannot resolve"}, time.Second)
	if b.Len() != 0 {
		t.Errorf("statistics of a target never pinged: %q", b.String())
	}
}

// TestEventLines: iputils' lines for a reply, a duplicate and an ICMP
// error (named by icmpmsg), and netdx's for what iputils does not know,
// with -v only; a failed send goes to stderr.
func TestEventLines(t *testing.T) {
	v4 := probe.Target{Name: "h", Addr: netip.MustParseAddr("198.18.2.2")}
	v6 := probe.Target{Name: "h6", Addr: netip.MustParseAddr("2001:db8:2::2")}
	from := netip.MustParseAddr("198.18.1.1")
	reply := probe.Event{Kind: probe.EventReply, Seq: 3, RTT: 20412 * time.Microsecond, TTL: 63, From: from, Bytes: 64}
	dup, late := reply, reply
	dup.Kind, late.Kind = probe.EventDuplicate, probe.EventLate
	noTTL := reply
	noTTL.TTL = -1
	for _, tc := range []struct {
		t        probe.Target
		ev       probe.Event
		verbose  bool
		out, err string
	}{
		{v4, reply, false, "64 bytes from 198.18.1.1: icmp_seq=3 ttl=63 time=20.4 ms\n", ""},
		{v4, noTTL, false, "64 bytes from 198.18.1.1: icmp_seq=3 time=20.4 ms\n", ""},
		{v4, dup, false, "64 bytes from 198.18.1.1: icmp_seq=3 ttl=63 time=20.4 ms (DUP!)\n", ""},
		{v4, late, false, "", ""},
		{v4, late, true, "64 bytes from 198.18.1.1: icmp_seq=3 ttl=63 time=20.4 ms (late: after the -W timeout, not counted)\n", ""},
		{v4, probe.Event{Kind: probe.EventInvalid, Seq: 4, From: from, Reason: "wrong_token"}, true,
			"From 198.18.1.1 icmp_seq=4 invalid reply: wrong_token (not counted)\n", ""},
		{v4, probe.Event{Kind: probe.EventError, Seq: 5, From: from, ErrType: 3, ErrCode: 1}, false,
			"From 198.18.1.1 icmp_seq=5 Destination Host Unreachable\n", ""},
		{v6, probe.Event{Kind: probe.EventError, Seq: 5, From: from, ErrType: 1, ErrCode: 2}, false,
			"From 198.18.1.1 icmp_seq=5 Destination unreachable: Beyond scope of source address\n", ""},
		{v4, probe.Event{Kind: probe.EventSendError, Seq: 6, Reason: "no route"}, false, "", "netdx ping: h: icmp_seq=6: no route\n"},
	} {
		var out, errOut bytes.Buffer
		(&View{W: &out, EW: &errOut, Verbose: tc.verbose}).Event(tc.t, tc.ev)
		if out.String() != tc.out || errOut.String() != tc.err {
			t.Errorf("%+v: %q %q, want %q %q", tc.ev, out.String(), errOut.String(), tc.out, tc.err)
		}
	}
	var out bytes.Buffer
	(&View{W: &out, Quiet: true}).Event(v4, reply)
	if out.Len() != 0 {
		t.Errorf("-q printed %q", out.String())
	}
}

func TestRTTText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42 * time.Microsecond: "0.042", 1234 * time.Microsecond: "1.23", 20412 * time.Microsecond: "20.4",
		150400 * time.Microsecond: "150",
	} {
		if got := rttText(d); got != want {
			t.Errorf("rttText(%v) = %q, want %q", d, got, want)
		}
	}
}

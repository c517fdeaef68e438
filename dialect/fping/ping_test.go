package fping

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

// The reference lines are what fping 5.1 prints on Debian 12 for the same
// figures; cmd/netdx's lab tests compare with fping itself.

func TestSummaryGolden(t *testing.T) {
	lost := probetest.Result("198.18.100.7", 3)
	lost.ICMPErrors = []probe.ErrorCount{{Type: 3, Code: 1, Name: "Destination Host Unreachable", From: "198.18.1.2", Count: 3}}
	multi := []probe.Result{probetest.Result("198.18.100.1", 3, 0.05, 0.04, 0.06), lost, {Target: "nosuch.example", Error: "cannot resolve: no such host"}}
	var out, b bytes.Buffer
	(&View{W: &out, EW: &b}).Summary(multi)
	b.WriteString("-- with -q -v:\n")
	(&View{W: &out, EW: &b, Quiet: true, Verbose: true}).Summary(multi)
	b.WriteString("-- with -C 3 -q:\n")
	ms := time.Millisecond
	(&View{W: &out, EW: &b, Quiet: true, Lists: true,
		rtts: [][]time.Duration{{ms / 20, ms / 25, 12345 * time.Microsecond}, {-1, -1}}}).Summary(multi)
	if out.Len() != 0 {
		t.Errorf("fping's summary on stdout: %q", out.String())
	}
	testkit.Golden(t, filepath.Join("testdata", "multi.golden"), b.String(), *update)

	b.Reset()
	(&View{W: &out, EW: &b}).Summary(multi[2:])
	if b.Len() != 0 {
		t.Errorf("a summary without a target pinged: %q", b.String())
	}
}

// TestEventLines: fping's lines and where it puts them, and the RTTs -C
// keeps for its lists.
func TestEventLines(t *testing.T) {
	targets := []probe.Target{{Name: "a", Addr: netip.MustParseAddr("198.18.2.2")},
		{Name: "b.example", Addr: netip.MustParseAddr("2001:db8:2::2")}}
	from := netip.MustParseAddr("198.18.1.1")
	var out, errOut bytes.Buffer
	v := &View{W: &out, EW: &errOut, Lists: true}
	v.Start(targets)
	for _, ev := range []probe.Event{
		{Kind: probe.EventReply, Target: 0, Seq: 1, RTT: 1234 * time.Microsecond, Bytes: 64, Sent: 1, Received: 1, AvgRTT: 1234 * time.Microsecond},
		{Kind: probe.EventTimeout, Target: 0, Seq: 2, Sent: 2, Received: 1, AvgRTT: 1234 * time.Microsecond},
		{Kind: probe.EventError, Target: 1, Seq: 1, From: from, ErrType: 1, ErrCode: 3, Sent: 1},
		{Kind: probe.EventDuplicate, Target: 0, Seq: 1, RTT: 2 * time.Millisecond, Bytes: 64},
		{Kind: probe.EventLate, Target: 0, Seq: 2, RTT: 3 * time.Second, Bytes: 64},
	} {
		v.Event(targets[ev.Target], ev)
	}
	wantOut := "a         : [0], 64 bytes, 1.23 ms (1.23 avg, 0% loss)\n" +
		"a         : [1], timed out (1.23 avg, 50% loss)\n" +
		"b.example : [0], timed out (NaN avg, 100% loss)\n"
	wantErr := "ICMP Host Unreachable from 198.18.1.1 for ICMP Echo sent to b.example\n" +
		"a : duplicate for [0], 64 bytes, 2.00 ms\n"
	if out.String() != wantOut || errOut.String() != wantErr {
		t.Errorf("stdout:\n%s\nstderr:\n%s\nwant:\n%s\n%s", out.String(), errOut.String(), wantOut, wantErr)
	}
	if got := v.rtts[0]; len(got) != 1 || got[0] != 1234*time.Microsecond || len(v.rtts[1]) != 0 {
		t.Errorf("-C lists %v", v.rtts)
	}
}

func TestFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		39 * time.Microsecond: "0.039", 999400 * time.Nanosecond: "0.999", 1234 * time.Microsecond: "1.23",
		9996 * time.Microsecond: "10.00", 20412 * time.Microsecond: "20.4", 150400 * time.Microsecond: "150",
	} {
		if got := timeText(d); got != want {
			t.Errorf("timeText(%v) = %q, want %q", d, got, want)
		}
	}
	if loss(3, 1) != 66 || loss(0, 0) != 0 {
		t.Error("fping's loss truncates to a percent")
	}
}

// TestErrorNames: fping's words for every error of the registries. ICMP's
// are fping 5.1's; an ICMPv6 error, which fping does not decode, gets the
// words of the ICMP error of the same meaning, and an ICMPv6 code no ICMP
// code means reads as an invalid code.
func TestErrorNames(t *testing.T) {
	v4 := map[[2]int]string{
		{3, 0}: "ICMP Network Unreachable", {3, 1}: "ICMP Host Unreachable", {3, 2}: "ICMP Protocol Unreachable",
		{3, 3}: "ICMP Port Unreachable", {3, 4}: "ICMP Unreachable (Fragmentation Needed)",
		{3, 5}: "ICMP Unreachable (Source Route Failed)", {3, 6}: "ICMP Unreachable (Destination Network Unknown)",
		{3, 7}: "ICMP Unreachable (Destination Host Unknown)", {3, 8}: "ICMP Unreachable (Source Host Isolated)",
		{3, 9}:  "ICMP Unreachable (Communication with Network Prohibited)",
		{3, 10}: "ICMP Unreachable (Communication with Host Prohibited)",
		{3, 11}: "ICMP Unreachable (Network Unreachable For Type Of Service)",
		{3, 12}: "ICMP Unreachable (Host Unreachable For Type Of Service)",
		{3, 13}: "ICMP Unreachable (Communication Administratively Prohibited)",
		{3, 14}: "ICMP Unreachable (Host Precedence Violation)", {3, 15}: "ICMP Unreachable (Precedence cutoff in effect)",
		{3, 16}: "ICMP Unreachable (Invalid Code)", {3, 99}: "ICMP Unreachable (Invalid Code)",
		{4, 0}: "ICMP Source Quench", {5, 1}: "ICMP Redirect", {11, 0}: "ICMP Time Exceeded",
		{11, 1}: "ICMP Time Exceeded", {12, 0}: "ICMP Parameter Problem", {40, 0}: "ICMP 40",
	}
	v6 := map[[2]int]string{
		{1, 0}: "ICMP Network Unreachable", {1, 1}: "ICMP Unreachable (Communication Administratively Prohibited)",
		{1, 2}: "ICMP Host Unreachable", {1, 3}: "ICMP Host Unreachable", {1, 4}: "ICMP Port Unreachable",
		{1, 5}: "ICMP Unreachable (Communication Administratively Prohibited)",
		{1, 6}: "ICMP Unreachable (Communication Administratively Prohibited)",
		{1, 7}: "ICMP Unreachable (Source Route Failed)", {1, 8}: "ICMP Unreachable (Invalid Code)",
		{1, 9}: "ICMP Unreachable (Invalid Code)", {2, 0}: "ICMP Unreachable (Fragmentation Needed)",
		{3, 0}: "ICMP Time Exceeded", {3, 1}: "ICMP Time Exceeded", {4, 0}: "ICMP Parameter Problem",
		{4, 10}: "ICMP Parameter Problem",
	}
	for i, codes := range []map[[2]int]string{v4, v6} {
		for tc, want := range codes {
			if got := errorName(i == 1, tc[0], tc[1]); got != want {
				t.Errorf("v6=%v %d/%d: %q, want %q", i == 1, tc[0], tc[1], got, want)
			}
		}
	}
}

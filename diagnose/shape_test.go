package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/probe"
	"netdx/trace"
)

// hopsOf makes report hops from one address per TTL from 1 ("" for a
// silent TTL).
func hopsOf(addrs ...string) []trace.ReportHop {
	var out []trace.ReportHop
	for i, a := range addrs {
		h := trace.ReportHop{TTL: i + 1, Sent: 10}
		if a != "" {
			h.Received, h.Addrs = 10, []netip.Addr{netip.MustParseAddr(a)}
		}
		out = append(out, h)
	}
	return out
}

// cycle repeats the addresses until n TTLs are filled after the prefix.
func cycle(n int, prefix []string, loop ...string) []string {
	out := append([]string(nil), prefix...)
	for i := 0; len(out) < n; i++ {
		out = append(out, loop[i%len(loop)])
	}
	return out
}

func TestFindLoop(t *testing.T) {
	const a, b, c, d = "198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.4.2"
	holes := cycle(30, nil, a, b)
	for _, i := range []int{2, 5, 6, 11, 17, 18, 19, 24} {
		holes[i] = "" // a rate-limited router's silences
	}
	for _, tc := range []struct {
		name string
		hops []string
		want string // start/period:routers, "" for no loop
	}{
		{"two routers from hop 1", cycle(30, nil, a, b), "1/2:" + a + "," + b},
		{"two routers after a first hop (IPv6's addresses)", cycle(30, []string{d}, b, c), "2/2:" + b + "," + c},
		{"a loop of period 3", cycle(30, []string{a}, b, c, d), "2/3:" + b + "," + c + "," + d},
		{"a loop with silences", holes, "1/2:" + a + "," + b},
		{"a loop after silent hops starts where it answers", cycle(30, []string{"", ""}, b, c), "3/2:" + b + "," + c},
		{"a hop answering twice in a row is no loop", append([]string{a, b, b}, make([]string, 27)...), ""},
		{"a router answering every TTL past it is no loop", cycle(30, []string{a}, b), ""},
		{"a path that ends in silence is no loop", append([]string{a, b, c}, make([]string, 27)...), ""},
		{"seen once is no loop", []string{a, b, c, b}, ""},
		{"seen twice is", []string{a, b, c, b, c}, "2/2:" + b + "," + c},
		{"a sequence that breaks is no loop", append(cycle(20, nil, a, b), c, d, c, a, b, c, d, a, b, c), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := findLoop(hopsOf(tc.hops...))
			got := ""
			if ok {
				var rs []string
				for _, r := range l.routers {
					rs = append(rs, r.addr)
				}
				got = fmt.Sprintf("%d/%d:%s", l.start, l.period, strings.Join(rs, ","))
			}
			if got != tc.want {
				t.Errorf("loop %q, want %q", got, tc.want)
			}
		})
	}
}

// loopEvidence is a trace that never reaches the target: TTLs 1 and 2
// answered by r1, r2 and then the two in turn up to TTL 30, and an echo
// stream whose requests all run out of TTL at r1.
func loopEvidence() PathEvidence {
	target := netip.MustParseAddr("198.18.4.2")
	r1, r2 := netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("198.18.2.2")
	ev := PathEvidence{Target: "dst", Addr: target, Protocol: trace.ICMP,
		Echo: &Echo{Sent: 300, Errors: []probe.ErrorCount{{Type: 11, Code: 0, From: r1.String(), Count: 300}}, Interval: 10 * time.Millisecond}}
	for range 20 {
		res := trace.Result{Addr: target, Protocol: trace.ICMP, EndReason: trace.EndMaxTTL}
		for ttl := 1; ttl <= 30; ttl++ {
			from := r1
			if ttl%2 == 0 {
				from = r2
			}
			res.Hops = append(res.Hops, trace.Hop{TTL: ttl, Probes: []trace.Probe{{Addr: from, RTT: time.Millisecond, ICMPType: 11, ReplyTTL: 64 - ttl%2}}})
		}
		ev.Rounds = append(ev.Rounds, res)
	}
	return ev
}

func TestPathLoop(t *testing.T) {
	fs := Path(loopEvidence(), DefaultConfig())
	if got := kindsAt(fs); strings.Join(got, " ") != "routing_loop@1/critical" {
		t.Fatalf("findings %v, want a routing loop instead of target_unreachable", got)
	}
	f := fs[0]
	if f.Evidence["echo_time_exceeded"] != 300 || f.Addr != "198.18.1.2" || !strings.Contains(f.Summary, "198.18.2.2") {
		t.Errorf("%s %v: want both routers named and the echo stream's Time Exceeded counted", f.Summary, f.Evidence)
	}
}

// mtuSizes makes MTU evidence: each entry is size:sent/received or
// size:sent/received/tooBig.
func mtuSizes(sizes ...string) *MTUEvidence {
	m := &MTUEvidence{}
	for _, s := range sizes {
		var z MTUSize
		if n, _ := fmt.Sscanf(s, "%d:%d/%d/%d", &z.Size, &z.Sent, &z.Received, &z.TooBig); n < 3 {
			panic(s)
		}
		m.Sizes = append(m.Sizes, z)
	}
	return m
}

func TestFindBlackHole(t *testing.T) {
	clean := &Echo{Sent: 300, Received: 300}
	lossy := &Echo{Sent: 300, Received: 210}
	hops := []MTUHop{{TTL: 1, Sent: 2, Answered: 2, Addr: netip.MustParseAddr("198.18.1.2")}, {TTL: 2, Sent: 2}, {TTL: 3, Sent: 2}}
	for _, tc := range []struct {
		name     string
		m        *MTUEvidence
		echo     *Echo
		ok, fail int // 0: no black hole
		last     int
	}{
		{"a path MTU of 1280", mtuSizes("1500:4/0", "1390:2/0", "1335:2/0", "1307:2/0", "1293:2/0", "1286:2/0", "1283:2/0", "1281:2/0", "1280:1/1"),
			clean, 1280, 1281, 0},
		{"frag-needed present: no black hole", mtuSizes("1500:4/0/1", "1400:2/2", "1280:1/1"), clean, 0, 0, 0},
		{"a sound path", mtuSizes("1500:1/1", "1280:1/1"), clean, 0, 0, 0},
		{"nothing answered: no black hole (the target does not answer)", mtuSizes("1500:4/0", "1280:3/0"), nil, 0, 0, 0},
		{"a few big ones lost to 30% loss: not enough", mtuSizes("1500:3/0", "1400:2/1", "1280:1/1"), lossy, 0, 0, 0},
		{"a black hole under 30% loss", mtuSizes("1500:11/0", "1445:2/0", "1417:2/0", "1403:2/0", "1401:2/0", "1400:2/1", "1280:1/1"),
			lossy, 1400, 1401, 0},
		// Recorded: 30% loss, no black hole; the bisection stopped short
		// where two requests were lost at once. The sizes it picked are
		// not held against the loss.
		{"the sizes a lossy bisection lost are no black hole", mtuSizes("1500:4/0", "1472:2/0", "1468:2/0", "1467:2/2", "1466:2/2", "1465:2/1",
			"1458:2/1", "1445:2/1", "1390:2/2", "1280:1/1"), &Echo{Sent: 300, Received: 204}, 0, 0, 0},
		{"without an echo stream, held against the sizes that passed",
			mtuSizes("1500:11/0", "1445:2/0", "1417:2/0", "1403:2/0", "1401:2/0", "1400:2/2", "1399:2/2", "1396:2/2", "1390:2/2", "1280:1/1"),
			nil, 1400, 1401, 0},
		{"the largest size answered once is no black hole", mtuSizes("1500:11/1", "1445:2/0", "1400:2/2", "1280:1/1"), clean, 0, 0, 0},
		{"the last hop that answered the big ones", &MTUEvidence{Sizes: mtuSizes("1500:4/0", "1445:2/0", "1401:6/0", "1400:2/2", "1280:1/1").Sizes,
			HopSize: 1401, Hops: hops}, clean, 1400, 1401, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bh, found := findBlackHole(tc.m, tc.echo, 0)
			if found != (tc.ok > 0) || bh.ok != tc.ok || bh.fails != tc.fail || bh.lastHop.TTL != tc.last {
				t.Errorf("black hole %v: ok %d, fails %d, last hop %d; want %v %d %d %d", found, bh.ok, bh.fails, bh.lastHop.TTL,
					tc.ok > 0, tc.ok, tc.fail, tc.last)
			}
		})
	}
}

// TestBlackHoleBeyondTheTarget: the TTL-limited requests went further than
// the target's hop (the distance was read from a reply that came back a
// longer way); no hop at or past the target is named, and a black hole
// after the last router is on the target's last link.
func TestBlackHoleBeyondTheTarget(t *testing.T) {
	ev := newSynth(ms4...).evidence(20, 300, false)
	hop := func(ttl int, answered int) MTUHop {
		return MTUHop{TTL: ttl, Sent: 2, Answered: answered, Addr: netip.AddrFrom4([4]byte{198, 18, byte(ttl), 2})}
	}
	ev.MTU = &MTUEvidence{Sizes: mtuSizes("1500:4/0", "1445:2/0", "1401:2/0", "1400:2/2", "1280:1/1").Sizes,
		HopSize: 1401, Hops: []MTUHop{hop(1, 2), hop(2, 2), hop(3, 2), hop(4, 1), hop(5, 1)}}
	f := only(t, Path(ev, DefaultConfig()), KindMTUBlackHole)
	if f.Hop != 3 || !strings.Contains(f.Summary, "last link") {
		t.Errorf("%s (hop %d): want it after hop 3, on the target's last link", f.Summary, f.Hop)
	}
}

// roundsWithTTLs makes a reached trace over hops answering with the reply
// TTLs given (one a hop, the target last).
func roundsWithTTLs(n int, replyTTLs ...int) []trace.Result {
	k := len(replyTTLs)
	target := netip.AddrFrom4([4]byte{198, 18, byte(k), 2})
	var out []trace.Result
	for range n {
		res := trace.Result{Addr: target, Protocol: trace.ICMP, Reached: true, EndReason: trace.EndReached}
		for i, rt := range replyTTLs {
			typ := 11
			if i == k-1 {
				typ = 0
			}
			res.Hops = append(res.Hops, trace.Hop{TTL: i + 1, Probes: []trace.Probe{{Addr: netip.AddrFrom4([4]byte{198, 18, byte(i + 1), 2}),
				RTT: time.Millisecond, ICMPType: typ, ReplyTTL: rt}}})
		}
		out = append(out, res)
	}
	return out
}

func TestReadReturn(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rounds    []trace.Result
		asym      bool
		from, bac int
	}{
		{"symmetric: each hop's answers come back over its own distance", roundsWithTTLs(20, 64, 63, 62, 61), false, 0, 0},
		{"routers starting from 255 and a Windows target", roundsWithTTLs(20, 255, 254, 253, 125), false, 0, 0},
		{"a longer way back from hop 3", roundsWithTTLs(20, 64, 63, 61, 60), true, 3, 4},
		{"a shorter way back for the target only", roundsWithTTLs(20, 64, 63, 62, 63), true, 4, 2},
		{"too few answers to tell", roundsWithTTLs(4, 64, 63, 61, 60), false, 0, 0},
		{"no TTLs known", roundsWithTTLs(20, 0, 0, 0, 0), false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := readReturn(tc.rounds, len(tc.rounds[0].Hops))
			if rp.asymmetric != tc.asym || rp.from.ttl != tc.from || rp.from.back != tc.bac {
				t.Errorf("asymmetric %v from hop %d (%d back); want %v %d %d", rp.asymmetric, rp.from.ttl, rp.from.back, tc.asym, tc.from, tc.bac)
			}
		})
	}
}

// TestLossSaysTheWayBack: every placed loss says it may be on the way
// back; an asymmetric return says the loss may be on the other path, and
// is information of its own.
func TestLossSaysTheWayBack(t *testing.T) {
	p := newSynth(ms4...)
	p.linkLoss[2] = 0.15
	ev := p.evidence(200, 300, false)
	f := only(t, Path(ev, DefaultConfig()), KindPathLoss)
	if !strings.Contains(f.Summary, "way there or back") {
		t.Errorf("%s: no word of the way back", f.Summary)
	}
	for i := range ev.Rounds {
		for j := range ev.Rounds[i].Hops {
			h := &ev.Rounds[i].Hops[j]
			for k := range h.Probes {
				// The answers of hops 3 and 4 come back over two hops more.
				h.Probes[k].ReplyTTL = 65 - h.TTL - 2*min(1, h.TTL/3)
			}
		}
	}
	fs := Path(ev, DefaultConfig())
	f, a := only(t, fs, KindPathLoss), only(t, fs, KindAsymmetricReturn)
	if !strings.Contains(f.Summary, "return path") || a.Severity != Info || a.Hop != 3 || a.Evidence["return_hops"] != 5 {
		t.Errorf("%s\n%s %v: want the loss said to be maybe on the return path, and the asymmetry from hop 3", f.Summary, a.Summary, a.Evidence)
	}
}

package probe

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netdx/icmpmsg"
)

var testToken = icmpmsg.Token{1, 2, 3, 4, 5, 6}

func request(v6 bool, seq, target int, sentNS int64) []byte {
	return Echo{V6: v6, ID: 0x4242, Seq: seq, Token: testToken, Target: target, SentNS: sentNS, Size: DefaultPayload}.Marshal()
}

func TestTracker(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	ms := time.Millisecond
	tr := newTracker(false, time.Second)
	var sent [4]int64
	for n := range 4 {
		sent[n] = t0.Add(time.Duration(n) * 100 * ms).UnixNano()
		tr.sent(t0.Add(time.Duration(n)*100*ms), sent[n])
	}
	reply := func(seq, n int, after time.Duration) Outcome {
		out, _, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: seq, SentNS: sent[n]}, t0.Add(time.Duration(n)*100*ms+after), true)
		return out
	}
	if out := reply(1, 0, 10*ms); out != Received {
		t.Errorf("first reply: %v", out)
	}
	if out := reply(1, 0, 12*ms); out != Duplicate {
		t.Errorf("second reply to seq 1: %v, want duplicate", out)
	}
	// Wrong seq: seq 3 with seq 1's send time, and a seq never sent.
	if out := reply(3, 0, 10*ms); out != Rejected {
		t.Errorf("seq 3 carrying seq 1's send time: %v, want invalid", out)
	}
	if out, _, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: 9, SentNS: sent[0]}, t0, true); out != Rejected {
		t.Errorf("unsent seq: %v, want invalid", out)
	}
	// Probe 2 (seq 3) answered before probe 1 (seq 2): one reordering.
	if out := reply(3, 2, 5*ms); out != Received {
		t.Errorf("seq 3: %v", out)
	}
	if out := reply(2, 1, 250*ms); out != Received {
		t.Errorf("seq 2 late but within timeout: %v", out)
	}
	// Probe 3 times out; its reply after the timeout is late, not
	// received; one stamped in time but seen after expiry counts.
	if ok, _ := tr.expire(3); !ok {
		t.Fatal("expire(3) = false")
	}
	if out := reply(4, 3, 1500*ms); out != Late {
		t.Errorf("stale reply after timeout: %v, want late", out)
	}
	r := tr.result(Target{Name: "x", Addr: netip.MustParseAddr("198.18.2.2")})
	if r.Sent != 4 || r.Received != 3 || r.Duplicates != 1 || r.Invalid != 2 || r.Late != 1 || r.Reordered != 1 || r.LossPct != 25 {
		t.Errorf("result %+v", r)
	}
	if avg := tr.avg(); avg != (10+5+250)*ms/3 {
		t.Errorf("running average %v, want the mean of the 3 received", avg)
	}
	if r.RTT == nil || r.RTT.Min != 5 || r.RTT.Max != 250 {
		t.Errorf("rtt %+v, want min 5 max 250 (duplicate and late replies unused)", r.RTT)
	}
	// Reply stamped inside the timeout but handled after expiry.
	tr2 := newTracker(false, time.Second)
	tr2.sent(t0, 42)
	tr2.expire(0)
	if out, _, _ := tr2.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: 1, SentNS: 42}, t0.Add(900*ms), true); out != Received || tr2.pending != 0 {
		t.Errorf("in-time reply after loop expiry: %v pending %d", out, tr2.pending)
	}
}

func TestSummarise(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x*float64(time.Millisecond)))
		}
		return d
	}
	if Summarise(nil) != nil {
		t.Error("no replies should give nil stats")
	}
	// Hand computed: 10, 20, 30, 40 → avg 25; population variance
	// (225+25+25+225)/4 = 125, mdev 11.180; jitter |10|+|10|+|10| / 3 = 10;
	// nearest rank p50 = 2nd = 20, p95 = p99 = 4th = 40.
	s := Summarise(ms(10, 20, 30, 40)).Round()
	want := RTTStats{Min: 10, Avg: 25, Max: 40, Mdev: 11.18, P50: 20, P95: 40, P99: 40, Jitter: 10}
	if *s != want {
		t.Errorf("got %+v, want %+v", *s, want)
	}
	// Order matters for jitter only: 1, 5, 2 → |4|+|3| / 2 = 3.5.
	s = Summarise(ms(1, 5, 2)).Round()
	want = RTTStats{Min: 1, Avg: 2.667, Max: 5, Mdev: 1.7, P50: 2, P95: 5, P99: 5, Jitter: 3.5}
	if *s != want {
		t.Errorf("got %+v, want %+v", *s, want)
	}
	// 100 values 1..100: p95 is the 95th, p99 the 99th.
	var hundred []float64
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, float64(i))
	}
	s = Summarise(ms(hundred...)).Round()
	if s.P50 != 50 || s.P95 != 95 || s.P99 != 99 || s.Mdev != 28.866 {
		t.Errorf("1..100: %+v", s)
	}
}

// TestTrackerWrap checks sequence numbers past 65535: probe 65535 carries
// wire sequence 0, probe 65536 sequence 1 again, told apart by send time.
func TestTrackerWrap(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tr := newTracker(false, time.Second)
	for n := range 65537 {
		tr.sent(t0.Add(time.Duration(n)*time.Millisecond), int64(n)+1)
	}
	if wireSeq(65535) != 0 || wireSeq(65536) != 1 {
		t.Fatalf("wireSeq(65535)=%d wireSeq(65536)=%d", wireSeq(65535), wireSeq(65536))
	}
	at := t0.Add(65535*time.Millisecond + 3*time.Millisecond)
	if out, n, rtt := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: 0, SentNS: 65536}, at, true); out != Received || n != 65535 || rtt != 3*time.Millisecond {
		t.Errorf("seq 0 after the wrap: %v probe %d rtt %v", out, n, rtt)
	}
	if out, n, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: 1, SentNS: 65537}, at, true); out != Received || n != 65536 {
		t.Errorf("seq 1 after the wrap: %v probe %d, want probe 65536", out, n)
	}
	if out, n, _ := tr.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: 0, ErrType: 11}, netip.MustParseAddr("198.18.1.2")); out != Rejected || n != 65535 {
		t.Errorf("error without send time for seq 0, answered: %v probe %d, want probe 65535 (and invalid)", out, n)
	}
	if out, n, _ := tr.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: 3, ErrType: 11, Unverified: true}, netip.MustParseAddr("198.18.1.2")); out != Claimed || n != 2 {
		t.Errorf("short-quoted error for seq 3: %v probe %d, want a claim on probe 2", out, n)
	}
}

// TestTrackerClaims checks how ICMP errors count. One speaks for a probe,
// the others are repeats; a reply in time shows it false and still counts.
// An unverified one (a quote too short for the token) is a claim, counted
// only when the probe times out unanswered; a verified one counts at once,
// and replaces a claim.
func TestTrackerClaims(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	ms := time.Millisecond
	r1, forged := netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("198.18.66.6")
	tr := newTracker(false, time.Second)
	for n := range 5 {
		tr.sent(t0.Add(time.Duration(n)*100*ms), int64(n+1))
	}
	claim := func(seq int, from netip.Addr) Outcome {
		out, _, _ := tr.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: seq, ErrType: 3, ErrCode: 1, Unverified: true}, from)
		return out
	}
	verified := func(seq int, from netip.Addr) Outcome {
		out, _, _ := tr.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: seq, SentNS: int64(seq), ErrType: 11}, from)
		return out
	}
	reply := func(n int, after time.Duration) Outcome {
		out, _, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: n + 1, SentNS: int64(n + 1)}, t0.Add(time.Duration(n)*100*ms+after), true)
		return out
	}
	// Probe 0: three forged claims (two repeats), then the real reply.
	for i, want := range []Outcome{Claimed, Rejected, Rejected} {
		if out := claim(1, forged); out != want {
			t.Fatalf("claim %d on a pending probe: %v, want %v", i, out, want)
		}
	}
	if out := reply(0, 5*ms); out != Received {
		t.Errorf("reply after claims: %v, want received", out)
	}
	if out := claim(1, forged); out != Rejected {
		t.Errorf("claim on an answered probe: %v, want invalid", out)
	}
	// Probe 1: a claim and no reply: at the timeout it is the probe's
	// error.
	claim(2, r1)
	if ok, k := tr.expire(1); !ok || k == nil || k.from != r1 || k.typ != 3 || k.code != 1 {
		t.Errorf("expire with a claim: %v %+v, want the claim", ok, k)
	}
	// Probe 2: a forged claim, then the router's verified error replaces
	// it and stops the wait; a second verified one is a repeat; a reply
	// in time still counts and takes the error back.
	claim(3, forged)
	if out := verified(3, r1); out != Errored || tr.pending != 2 {
		t.Errorf("verified error after a claim: %v pending %d", out, tr.pending)
	}
	if out := verified(3, forged); out != Rejected {
		t.Errorf("second verified error: %v, want invalid", out)
	}
	if out := reply(2, 30*ms); out != Received {
		t.Errorf("reply in time after a verified error: %v, want received", out)
	}
	// Probe 3: a verified error, no reply: it stands.
	verified(4, r1)
	// Probe 4: times out; a claim then is the error that explains it.
	tr.expire(4)
	if out := claim(5, r1); out != Errored {
		t.Errorf("claim after the timeout: %v, want error", out)
	}
	r := tr.result(Target{Name: "x", Addr: netip.MustParseAddr("198.18.2.2")})
	want := map[string]int{"contradicted_error": 3, "repeated_error": 4}
	if r.Received != 2 || r.Invalid != 7 || !maps.Equal(r.InvalidByCause, want) {
		t.Errorf("received %d invalid %d %v, want 2 received, invalid %v", r.Received, r.Invalid, r.InvalidByCause, want)
	}
	var errs []string
	for _, e := range r.ICMPErrors {
		errs = append(errs, fmt.Sprintf("%d/%d %s x%d", e.Type, e.Code, e.From, e.Count))
	}
	if got := strings.Join(errs, ", "); got != "3/1 198.18.1.2 x2, 11/0 198.18.1.2 x1" {
		t.Errorf("icmp errors %s", got)
	}
	// A reply stamped in time but handled after the timeout takes back a
	// claim already counted as the error.
	tr2 := newTracker(false, time.Second)
	tr2.sent(t0, 1)
	tr2.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: 1, ErrType: 3, ErrCode: 1, Unverified: true}, forged)
	tr2.expire(0)
	if out, _, _ := tr2.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: 1, SentNS: 1}, t0.Add(900*ms), true); out != Received {
		t.Errorf("in-time reply after a claim stood: %v", out)
	}
	if r := tr2.result(Target{Addr: netip.MustParseAddr("198.18.2.2")}); len(r.ICMPErrors) != 0 || r.InvalidByCause["contradicted_error"] != 1 {
		t.Errorf("after the reply: errors %+v invalid %v, want none and one contradicted", r.ICMPErrors, r.InvalidByCause)
	}
}

// TestTrackerErrorBound: 10000 probes of a target that never answers, each
// drawing a verified error from another sender: the first MaxErrorKinds
// kinds are itemised, the rest counted in one entry.
func TestTrackerErrorBound(t *testing.T) {
	tr := newTracker(false, time.Second)
	for i := range 10000 {
		tr.sent(time.Unix(1700000000, 0), int64(i+1))
		from := netip.AddrFrom4([4]byte{198, 19, byte(i >> 8), byte(i)})
		tr.icmpError(icmpmsg.Verdict{Kind: icmpmsg.Error, Seq: wireSeq(i), SentNS: int64(i + 1), ErrType: 3, ErrCode: 1}, from)
	}
	r := tr.result(Target{Addr: netip.MustParseAddr("198.18.2.2")})
	if len(tr.errs) != MaxErrorKinds || len(r.ICMPErrors) != MaxErrorKinds+1 {
		t.Fatalf("%d kinds kept, %d entries, want %d and one more", len(tr.errs), len(r.ICMPErrors), MaxErrorKinds)
	}
	total := 0
	for _, e := range r.ICMPErrors {
		total += e.Count
	}
	last := r.ICMPErrors[len(r.ICMPErrors)-1]
	if total != 10000 || last.From != OtherSenders || last.Count != 10000-MaxErrorKinds || last.Type != -1 {
		t.Errorf("total %d, overflow %+v", total, last)
	}
}

// TestTrackerKeepsTheLastProbes: a run without a count (watch, a live
// view) lets decided probes go, so its memory stays bounded however long
// it runs, while its figures stay those of the whole run and replies past
// the 16-bit sequence wrap still find their probe.
func TestTrackerKeepsTheLastProbes(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tr := newTracker(false, time.Second)
	tr.keep = keepFor(10*time.Millisecond, time.Second)
	const n = 200_000 // three sequence wraps
	var lost int
	for i := range n {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		k := tr.sent(at, at.UnixNano())
		if k != i {
			t.Fatalf("probe %d got index %d", i, k)
		}
		if i%10 == 9 {
			lost++
			if ok, _ := tr.expire(i); !ok {
				t.Fatalf("probe %d did not expire", i)
			}
			continue
		}
		rtt := time.Duration(1+i%5) * time.Millisecond
		if out, _, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: wireSeq(i), SentNS: at.UnixNano()}, at.Add(rtt), true); out != Received {
			t.Fatalf("reply to probe %d: %v", i, out)
		}
		if len(tr.probes) > 2*tr.keep || len(tr.recent) > recentRTTs {
			t.Fatalf("after %d probes it holds %d probes and %d RTTs", i+1, len(tr.probes), len(tr.recent))
		}
	}
	// A duplicate of a recent probe is still known as one.
	last := t0.Add(time.Duration(n-2) * 10 * time.Millisecond)
	if out, _, _ := tr.reply(icmpmsg.Verdict{Kind: icmpmsg.Reply, Seq: wireSeq(n - 2), SentNS: last.UnixNano()}, last.Add(time.Millisecond), true); out != Duplicate {
		t.Errorf("a second reply to a recent probe: %v, want duplicate", out)
	}
	r := tr.result(Target{Name: "t", Addr: netip.MustParseAddr("198.18.0.9")})
	if r.Sent != n || r.Received != n-lost || r.LossPct != 10 {
		t.Errorf("sent %d received %d loss %.1f%%, want %d, %d, 10%%", r.Sent, r.Received, r.LossPct, n, n-lost)
	}
	if r.RTT == nil || r.RTT.Min != 1 || r.RTT.Max != 5 || r.RTT.Avg != 2.778 || r.RTT.P50 != 3 {
		t.Errorf("RTT %+v, want min 1, max 5, avg 25/9, p50 3 ms", r.RTT)
	}
}

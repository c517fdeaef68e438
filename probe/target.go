package probe

import (
	"math"
	"net/netip"
	"sort"
	"time"

	"netdx/icmpmsg"
)

// probeState is where one echo request stands.
type probeState uint8

const (
	pending  probeState = iota
	answered            // a valid reply came in time
	expired             // timed out: a reply now is late
	failed              // an ICMP error came back for it
)

// sentProbe is one echo request of a target.
type sentProbe struct {
	at     time.Time // send time (right before the send call)
	sentNS int64     // send time written into the payload
	state  probeState
	rtt    time.Duration
	// errs counts the ICMP errors received for the probe; err is the
	// one that speaks for it (the first, or the first verified), counted
	// in the tracker's errors once counted is set: at once when verified,
	// at the timeout for an unverified claim. A reply in time takes it
	// back.
	errs     int
	err      errKey
	verified bool
	counted  bool
}

// Outcome is what a message did to a target's statistics.
type Outcome int

// Outcomes of tracker.reply and tracker.icmpError.
const (
	Received  Outcome = iota // the first valid reply to a probe, in time
	Duplicate                // another valid reply to an answered probe
	Late                     // a valid reply after the probe timed out
	Rejected                 // failed validation: counted as invalid
	Errored                  // an ICMP error for a probe
	Claimed                  // an unverified ICMP error, held until the probe times out or is answered
)

func (o Outcome) String() string {
	return [...]string{"received", "duplicate", "late", "invalid", "error", "claimed"}[o]
}

// ErrorCount counts the ICMP errors of one type, code and sender.
type ErrorCount struct {
	Type  int    `json:"type"`
	Code  int    `json:"code"`
	Name  string `json:"name"`
	From  string `json:"from"`
	Count int    `json:"count"`
}

// MaxErrorKinds bounds a target's icmp_errors: the first MaxErrorKinds
// (type, code, sender) seen are itemised; errors of any other go into one
// last entry, From OtherSenders, Type and Code -1. Senders are whatever
// the network says: an on-path host can make up one per packet.
const MaxErrorKinds = 64

// OtherSenders is the From of the icmp_errors entry that counts errors
// past MaxErrorKinds.
const OtherSenders = "other"

type errKey struct {
	typ, code int
	from      netip.Addr
}

// tracker is a target's statistics state. Its methods take every time as
// an argument: it is driven by the engine's loop and by unit tests alike.
// Everything in it is bounded by the probes sent, except errs, which the
// network fills: MaxErrorKinds bounds it. A run without a count (watch, a
// live view, ping until Ctrl-C) keeps only the last probes (keep): older
// ones, decided, leave their RTT to running figures (min, max, mean, mdev
// of the whole run) and to the last recentRTTs replies (percentiles,
// jitter).
type tracker struct {
	v6        bool
	timeout   time.Duration // a reply stamped within it counts even if the loop expired the probe first
	sendErrs  int
	rttSum    time.Duration
	probes    []sentProbe // probe n (n >= base) went out with wire sequence (n+1) mod 2^16
	base      int         // index of probes[0]: the probes before it were let go
	keep      int         // probes kept at least; 0 keeps every probe
	recent    []time.Duration
	rttMin    time.Duration
	rttMax    time.Duration
	rttSq     float64 // sum of squared RTTs in ms², for mdev
	pending   int
	received  int
	dups      int
	late      int
	reorder   int
	maxSeen   int // highest probe index answered so far, -1 before any
	kernelTS  int
	userTS    int
	rejected  icmpmsg.Counts // invalid messages, by cause
	errs      map[errKey]int
	errsOther int // errors past MaxErrorKinds
}

func newTracker(v6 bool, timeout time.Duration) *tracker {
	return &tracker{v6: v6, timeout: timeout, maxSeen: -1, errs: map[errKey]int{}}
}

// recentRTTs is how many of the last replies a tracker that lets probes go
// keeps for percentiles and jitter.
const recentRTTs = 1024

// keepFor is how many probes a run without a count keeps: every probe that
// can still be waited for, twice over, and never fewer than 64.
func keepFor(interval, timeout time.Duration) int {
	n := 64
	if interval > 0 {
		n = max(n, 2*int(timeout/interval)+16)
	}
	return n
}

// total is how many probes were sent (or failed to be).
func (t *tracker) total() int { return t.base + len(t.probes) }

// at returns probe n, or nil if it was let go (or not sent).
func (t *tracker) at(n int) *sentProbe {
	if n < t.base || n >= t.total() {
		return nil
	}
	return &t.probes[n-t.base]
}

// add appends a probe and lets the oldest decided ones go, in batches,
// when the tracker keeps only the last ones.
func (t *tracker) add(p sentProbe) int {
	t.probes = append(t.probes, p)
	if t.keep > 0 && len(t.probes) >= 2*t.keep {
		drop := 0
		for drop < len(t.probes)-t.keep && t.probes[drop].state != pending {
			drop++
		}
		t.probes = append(t.probes[:0], t.probes[drop:]...)
		t.base += drop
	}
	return t.total() - 1
}

// first is the index of the oldest kept probe with wire sequence seq.
func (t *tracker) first(seq int) int {
	n := (seq - 1) & 0xffff
	if n < t.base {
		n += (t.base - n + 0xffff) >> 16 << 16
	}
	return n
}

// wireSeq is the sequence number probe n carries.
func wireSeq(n int) int { return (n + 1) & 0xffff }

// sent records probe n (the next one) sent at at with sentNS in its payload.
func (t *tracker) sent(at time.Time, sentNS int64) int {
	t.pending++
	return t.add(sentProbe{at: at, sentNS: sentNS})
}

// find returns the probe with wire sequence seq whose payload time is
// sentNS, or -1.
func (t *tracker) find(seq int, sentNS int64) int {
	for n := t.first(seq); n < t.total(); n += 1 << 16 {
		if t.at(n).sentNS == sentNS {
			return n
		}
	}
	return -1
}

// latest returns the last probe sent with wire sequence seq, or -1.
func (t *tracker) latest(seq int) int {
	n := -1
	for m := t.first(seq); m < t.total(); m += 1 << 16 {
		n = m
	}
	return n
}

// reply applies a valid echo reply (Verdict kind Reply) received at at. A
// reply in time counts as received even after an ICMP error for the same
// probe: the probe was delivered, whatever the error said.
func (t *tracker) reply(v icmpmsg.Verdict, at time.Time, kernel bool) (Outcome, int, time.Duration) {
	n := t.find(v.Seq, v.SentNS)
	if n < 0 {
		t.reject(icmpmsg.UnknownProbe)
		return Rejected, -1, 0
	}
	p := t.at(n)
	switch p.state {
	case answered:
		t.dups++
		return Duplicate, n, at.Sub(p.at)
	case expired, failed:
		if at.Sub(p.at) > t.timeout {
			t.late++
			return Late, n, at.Sub(p.at)
		}
		// Stamped in time; the loop only saw it after the timeout, or
		// after an error that the reply shows false.
		t.pending++
	}
	t.contradict(p)
	p.state, p.rtt = answered, max(at.Sub(p.at), 0)
	t.pending--
	t.received++
	t.rttSum += p.rtt
	if t.keep > 0 {
		t.runningRTT(p.rtt)
	}
	if kernel {
		t.kernelTS++
	} else {
		t.userTS++
	}
	if n < t.maxSeen {
		t.reorder++
	}
	t.maxSeen = max(t.maxSeen, n)
	return Received, n, p.rtt
}

// contradict takes back the error counted for p, now answered: it was
// false.
func (t *tracker) contradict(p *sentProbe) {
	if p.errs == 0 {
		return
	}
	if p.counted {
		t.dropErr(p.err)
	}
	t.reject(icmpmsg.ContradictedError)
	p.errs, p.counted, p.verified = 0, false, false
}

// sendFailed records a probe whose send call failed at at.
func (t *tracker) sendFailed(at time.Time) int {
	t.sendErrs++
	return t.add(sentProbe{at: at, state: failed})
}

// runningRTT adds a reply's RTT to the whole run's figures and to the
// last replies.
func (t *tracker) runningRTT(d time.Duration) {
	if t.received == 1 || d < t.rttMin {
		t.rttMin = d
	}
	t.rttMax = max(t.rttMax, d)
	ms := float64(d) / float64(time.Millisecond)
	t.rttSq += ms * ms
	if len(t.recent) == recentRTTs {
		t.recent = append(t.recent[:0], t.recent[recentRTTs/2:]...)
	}
	t.recent = append(t.recent, d)
}

// answers is how many probes were answered: by a reply in time, or by an
// ICMP error that stands.
func (t *tracker) answers() int {
	n := t.received + t.errsOther
	for _, c := range t.errs {
		n += c
	}
	return n
}

// avg is the mean RTT of the replies received so far.
func (t *tracker) avg() time.Duration {
	if t.received == 0 {
		return 0
	}
	return t.rttSum / time.Duration(t.received)
}

// reject counts a message that was ours but failed validation.
func (t *tracker) reject(c icmpmsg.Cause) { t.rejected.Add(c, 1) }

// icmpError applies an ICMP error (Verdict kind Error) sent by from. A
// quote with the send time names its probe; one without (too short) is
// matched on the sequence alone, to the latest probe that carries it.
//
// One error speaks for a probe: a router sends one per probe, so others
// are counted invalid (repeated_error), and an error for a probe already
// answered is false (contradicted_error). A verified error (the quote holds
// our token) counts at once and stops the wait; an unverified one is held
// as a claim while the probe waits, and counts if it times out unanswered.
// A verified error replaces a claim. A reply in time still counts, and
// takes the error back (Tracker.reply).
func (t *tracker) icmpError(v icmpmsg.Verdict, from netip.Addr) (Outcome, int, icmpmsg.Cause) {
	key := errKey{v.ErrType, v.ErrCode, from}
	n := t.latest(v.Seq)
	if v.SentNS != 0 {
		n = t.find(v.Seq, v.SentNS)
	}
	if n < 0 {
		t.reject(icmpmsg.UnknownProbe)
		return Rejected, -1, icmpmsg.UnknownProbe
	}
	p := t.at(n)
	switch {
	case p.state == answered:
		t.reject(icmpmsg.ContradictedError)
		return Rejected, n, icmpmsg.ContradictedError
	case p.errs > 0 && (v.Unverified || p.verified):
		p.errs++
		t.reject(icmpmsg.RepeatedError)
		return Rejected, n, icmpmsg.RepeatedError
	case p.errs > 0:
		// A verified error after a claim: the claim was the repeat.
		if p.counted {
			t.dropErr(p.err)
		}
		t.reject(icmpmsg.RepeatedError)
	}
	p.errs++
	p.err, p.verified, p.counted = key, !v.Unverified, false
	if v.Unverified && p.state == pending {
		return Claimed, n, icmpmsg.CauseNone
	}
	t.addErr(key)
	p.counted = true
	if p.state == pending {
		p.state = failed
		t.pending--
	}
	return Errored, n, icmpmsg.CauseNone
}

// addErr counts an error of kind k, itemised while there is room.
func (t *tracker) addErr(k errKey) {
	if _, ok := t.errs[k]; ok || len(t.errs) < MaxErrorKinds {
		t.errs[k]++
		return
	}
	t.errsOther++
}

// dropErr takes back an error counted by addErr.
func (t *tracker) dropErr(k errKey) {
	switch c, ok := t.errs[k]; {
	case ok && c > 1:
		t.errs[k] = c - 1
	case ok:
		delete(t.errs, k)
	case t.errsOther > 0:
		t.errsOther--
	}
}

// expire times out probe n if it is still pending; it reports whether it
// did, and the claim that then stands as the probe's error, if any.
func (t *tracker) expire(n int) (bool, *errKey) {
	p := t.at(n)
	if p == nil || p.state != pending {
		return false, nil
	}
	t.pending--
	if p.errs == 0 {
		p.state = expired
		return true, nil
	}
	// Unanswered: the claim is the probe's error.
	p.state, p.counted = failed, true
	t.addErr(p.err)
	k := p.err
	return true, &k
}

// rttStats are the RTT figures: of every reply, or when probes were let
// go, the whole run's min, max, mean and mdev with the percentiles and
// jitter of the last replies.
func (t *tracker) rttStats() *RTTStats {
	if t.keep == 0 {
		var rtts []time.Duration
		for _, p := range t.probes {
			if p.state == answered {
				rtts = append(rtts, p.rtt)
			}
		}
		return Summarise(rtts)
	}
	s := Summarise(t.recent)
	if s == nil {
		return nil
	}
	n := float64(t.received)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s.Min, s.Max, s.Avg = ms(t.rttMin), ms(t.rttMax), ms(t.rttSum)/n
	s.Mdev = math.Sqrt(max(t.rttSq/n-s.Avg*s.Avg, 0))
	return s
}

// result summarises the tracker for target.
func (t *tracker) result(target Target) Result {
	r := Result{
		Target:         target.Name,
		Addr:           target.Addr.String(),
		Sent:           t.total(),
		Received:       t.received,
		Duplicates:     t.dups,
		Invalid:        t.rejected.Total(),
		InvalidByCause: t.rejected.Map(),
		Late:           t.late,
		Reordered:      t.reorder,
		SendErrors:     t.sendErrs,
		ICMPErrors:     []ErrorCount{},
	}
	if r.Sent > 0 {
		r.LossPct = math.Round(float64(r.Sent-r.Received)*100/float64(r.Sent)*1000) / 1000
	}
	r.RTT = t.rttStats().Round()
	switch {
	case t.kernelTS > 0 && t.userTS == 0:
		r.Timestamps = "kernel"
	case t.kernelTS == 0 && t.userTS > 0:
		r.Timestamps = "user"
	case t.kernelTS > 0:
		r.Timestamps = "mixed"
	}
	for k, c := range t.errs {
		r.ICMPErrors = append(r.ICMPErrors, ErrorCount{Type: k.typ, Code: k.code, Name: icmpmsg.Name(t.v6, k.typ, k.code), From: k.from.String(), Count: c})
	}
	sort.Slice(r.ICMPErrors, func(i, j int) bool {
		a, b := r.ICMPErrors[i], r.ICMPErrors[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.From < b.From
	})
	if t.errsOther > 0 {
		r.ICMPErrors = append(r.ICMPErrors, ErrorCount{Type: -1, Code: -1, From: OtherSenders, Count: t.errsOther,
			Name: "errors of further kinds and senders (not itemised)"})
	}
	return r
}

package probe

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// probeState is where one echo request stands.
type probeState uint8

const (
	pending probeState = iota
	answered
	expired // timed out: a reply now is late
	failed  // an ICMP error came back for it
)

// sentProbe is one echo request of a target.
type sentProbe struct {
	at     time.Time // send time (right before the send call)
	sentNS int64     // send time written into the payload
	state  probeState
	rtt    time.Duration
}

// Outcome is what a message did to a target's statistics.
type Outcome int

// Outcomes of tracker.reply and tracker.icmpError.
const (
	Received  Outcome = iota // the first valid reply to a pending probe
	Duplicate                // another valid reply to an answered probe
	Late                     // a valid reply after the probe timed out
	Rejected                 // failed validation: counted as invalid
	Errored                  // an ICMP error for a probe
)

func (o Outcome) String() string {
	return [...]string{"received", "duplicate", "late", "invalid", "error"}[o]
}

// ErrorCount counts the ICMP errors of one type, code and sender.
type ErrorCount struct {
	Type  int    `json:"type"`
	Code  int    `json:"code"`
	Name  string `json:"name"`
	From  string `json:"from"`
	Count int    `json:"count"`
}

type errKey struct {
	typ, code int
	from      netip.Addr
}

// tracker is a target's statistics state. Its methods take every time as
// an argument: it is driven by the engine's loop and by unit tests alike.
type tracker struct {
	v6       bool
	timeout  time.Duration // a reply stamped within it counts even if the loop expired the probe first
	sendErrs int
	rttSum   time.Duration
	probes   []sentProbe // probe n went out with wire sequence (n+1) mod 2^16
	pending  int
	received int
	dups     int
	invalid  int
	late     int
	reorder  int
	maxSeen  int // highest probe index answered so far, -1 before any
	kernelTS int
	userTS   int
	errs     map[errKey]int
}

func newTracker(v6 bool, timeout time.Duration) *tracker {
	return &tracker{v6: v6, timeout: timeout, maxSeen: -1, errs: map[errKey]int{}}
}

// wireSeq is the sequence number probe n carries.
func wireSeq(n int) int { return (n + 1) & 0xffff }

// sent records probe n (the next one) sent at at with sentNS in its payload.
func (t *tracker) sent(at time.Time, sentNS int64) int {
	t.probes = append(t.probes, sentProbe{at: at, sentNS: sentNS})
	t.pending++
	return len(t.probes) - 1
}

// find returns the probe with wire sequence seq whose payload time is
// sentNS, or -1.
func (t *tracker) find(seq int, sentNS int64) int {
	for n := (seq - 1) & 0xffff; n < len(t.probes); n += 1 << 16 {
		if t.probes[n].sentNS == sentNS {
			return n
		}
	}
	return -1
}

// reply applies a valid echo reply (Verdict kind Reply) received at at.
func (t *tracker) reply(v Verdict, at time.Time, kernel bool) (Outcome, int, time.Duration) {
	n := t.find(v.Seq, v.SentNS)
	if n < 0 {
		t.invalid++
		return Rejected, -1, 0
	}
	p := &t.probes[n]
	switch p.state {
	case answered:
		t.dups++
		return Duplicate, n, at.Sub(p.at)
	case failed:
		t.late++
		return Late, n, at.Sub(p.at)
	case expired:
		if at.Sub(p.at) > t.timeout {
			t.late++
			return Late, n, at.Sub(p.at)
		}
		// Stamped in time; the loop only saw it after the timeout.
		t.pending++
	}
	p.state, p.rtt = answered, max(at.Sub(p.at), 0)
	t.pending--
	t.received++
	t.rttSum += p.rtt
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

// sendFailed records a probe whose send call failed at at.
func (t *tracker) sendFailed(at time.Time) int {
	t.probes = append(t.probes, sentProbe{at: at, state: failed})
	t.sendErrs++
	return len(t.probes) - 1
}

// avg is the mean RTT of the replies received so far.
func (t *tracker) avg() time.Duration {
	if t.received == 0 {
		return 0
	}
	return t.rttSum / time.Duration(t.received)
}

// reject counts a message that was ours but failed validation.
func (t *tracker) reject() { t.invalid++ }

// icmpError applies an ICMP error (Verdict kind Error) sent by from. A
// quote without payload (SentNS 0) is matched on the sequence alone, to
// the latest probe that carries it.
func (t *tracker) icmpError(v Verdict, from netip.Addr) (Outcome, int) {
	n := -1
	if v.SentNS != 0 {
		n = t.find(v.Seq, v.SentNS)
	} else {
		for m := (v.Seq - 1) & 0xffff; m < len(t.probes); m += 1 << 16 {
			n = m
		}
	}
	if n < 0 {
		t.invalid++
		return Rejected, -1
	}
	t.errs[errKey{v.ErrType, v.ErrCode, from}]++
	if p := &t.probes[n]; p.state == pending {
		p.state = failed
		t.pending--
	}
	return Errored, n
}

// expire times out probe n if it is still pending; it reports whether it
// did.
func (t *tracker) expire(n int) bool {
	if p := &t.probes[n]; p.state == pending {
		p.state = expired
		t.pending--
		return true
	}
	return false
}

// result summarises the tracker for target.
func (t *tracker) result(target Target) Result {
	r := Result{
		Target:     target.Name,
		Addr:       target.Addr.String(),
		Sent:       len(t.probes),
		Received:   t.received,
		Duplicates: t.dups,
		Invalid:    t.invalid,
		Late:       t.late,
		Reordered:  t.reorder,
		SendErrors: t.sendErrs,
		ICMPErrors: []ErrorCount{},
	}
	if r.Sent > 0 {
		r.LossPct = math.Round(float64(r.Sent-r.Received)*100/float64(r.Sent)*1000) / 1000
	}
	var rtts []time.Duration
	for _, p := range t.probes {
		if p.state == answered {
			rtts = append(rtts, p.rtt)
		}
	}
	r.RTT = Summarise(rtts).Round()
	switch {
	case t.kernelTS > 0 && t.userTS == 0:
		r.Timestamps = "kernel"
	case t.kernelTS == 0 && t.userTS > 0:
		r.Timestamps = "user"
	case t.kernelTS > 0:
		r.Timestamps = "mixed"
	}
	for k, c := range t.errs {
		r.ICMPErrors = append(r.ICMPErrors, ErrorCount{Type: k.typ, Code: k.code, Name: ICMPErrorName(t.v6, k.typ, k.code), From: k.from.String(), Count: c})
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
	return r
}

// ICMPErrorName names an ICMP (v6 false) or ICMPv6 error the way iputils
// ping prints it; other types get x/net's name of the type.
func ICMPErrorName(v6 bool, typ, code int) string {
	if v6 {
		switch typ {
		case 1:
			names := []string{"No route", "Administratively prohibited", "Beyond scope of source address",
				"Address unreachable", "Port unreachable", "Source address failed ingress/egress policy",
				"Reject route to destination"}
			if code < len(names) {
				return "Destination unreachable: " + names[code]
			}
			return fmt.Sprintf("Destination unreachable: code %d", code)
		case 2:
			return "Packet too big"
		case 3:
			if code == 1 {
				return "Time exceeded: Fragment reassembly time exceeded"
			}
			return "Time exceeded: Hop limit"
		case 4:
			return fmt.Sprintf("Parameter problem: code %d", code)
		}
		return fmt.Sprintf("ICMPv6 %s code %d", typeName(ipv6.ICMPType(typ), typ), code)
	}
	switch typ {
	case 3:
		names := []string{"Destination Net Unreachable", "Destination Host Unreachable",
			"Destination Protocol Unreachable", "Destination Port Unreachable", "Frag needed and DF set",
			"Source Route Failed", "Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
			"Destination Net Prohibited", "Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
			"Destination Host Unreachable for Type of Service", "Packet filtered", "Precedence Violation",
			"Precedence Cutoff"}
		if code < len(names) {
			return names[code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", code)
	case 4:
		return "Source Quench"
	case 11:
		if code == 1 {
			return "Frag reassembly time exceeded"
		}
		return "Time to live exceeded"
	case 12:
		return "Parameter problem"
	}
	return fmt.Sprintf("ICMP %s code %d", typeName(ipv4.ICMPType(typ), typ), code)
}

package trace

import (
	"encoding/json"
	"math"
	"net/netip"
	"time"

	"netdx/icmpmsg"
)

// The RFC 4884 extensions of an answer, as icmpmsg decodes them.
type (
	Extensions    = icmpmsg.Extensions
	MPLSLabel     = icmpmsg.MPLSLabel
	InterfaceInfo = icmpmsg.InterfaceInfo
)

// End reasons of a trace (Result.EndReason).
const (
	EndReached     = "reached"     // the target answered
	EndUnreachable = "unreachable" // a hop answered destination unreachable
	EndMaxTTL      = "max_ttl"     // no answer from the target up to the last TTL
	EndCanceled    = "canceled"    // the context ended first
)

// Result is a whole trace, in the JSON shape of the design contract.
type Result struct {
	Target    string     `json:"target"`
	Addr      netip.Addr `json:"addr"`
	Protocol  Protocol   `json:"protocol"`
	Reached   bool       `json:"reached"`
	EndReason string     `json:"end_reason"`
	Hops      []Hop      `json:"hops"`
	// PathMTU is the path MTU found with Config.MTU, 0 otherwise: past a
	// black hole, the largest size that got through it.
	PathMTU int `json:"path_mtu,omitempty"`
	// BlackHole is the MTU black hole Config.MTU's probes died in, if
	// they did.
	BlackHole *BlackHole `json:"black_hole,omitempty"`
	// Sent counts every probe sent, retries included.
	Sent int `json:"sent"`
	// Invalid counts the answers to this trace's probes that failed a
	// check (a forged echo reply, a quote without the probe's token …),
	// InvalidByCause by what failed (icmpmsg.Cause names), as ping does.
	Invalid        int            `json:"invalid,omitempty"`
	InvalidByCause map[string]int `json:"invalid_by_cause,omitempty"`
	// Oddities counts the answers read leniently, by what departs from
	// the RFCs in them (icmpmsg.Oddity names): they count as answers.
	Oddities map[string]int `json:"oddities,omitempty"`
}

// Hop is one TTL of a trace.
type Hop struct {
	TTL    int     `json:"ttl"`
	Probes []Probe `json:"probes"`
	// PMTU is the path MTU up to this hop (Config.MTU only).
	PMTU int `json:"pmtu,omitempty"`
	// Unverified: the hop answered, and only with unverified answers
	// (Probe.Unverified).
	Unverified bool `json:"unverified,omitempty"`
}

// Probe is what became of one probe (one slot of a hop; a retried slot
// reports its answered attempt).
type Probe struct {
	Addr netip.Addr
	RTT  time.Duration
	// Timeout: nothing came back. RateLimited: nothing came back from a
	// target (or router) that answered other probes of the trace, most
	// likely because of its ICMP rate limit.
	Timeout, RateLimited bool
	Annotation           string // "!H", "!F-1400", … (see icmpmsg.MarkOf)
	// ICMPType and ICMPCode are the raw type and code of an ICMP answer,
	// -1 for a TCP answer or no answer.
	ICMPType, ICMPCode int
	TCPFlags           string // "SA" or "R" for a TCP answer from the target
	ReplyTTL           int    // TTL of the answer as received, 0 if unknown
	Flow               int    // flow index (Config.Flows)
	SentTTL            int    // the probe's TTL when it differs from the hop's
	Attempts           int    // how many times the slot was sent
	Extensions         *Extensions
	// Unverified: the answer is an ICMP error whose quote is too short to
	// hold the probe's token (RFC 792's 8 bytes), which any host on the
	// way can forge; it stood because nothing verified answered the probe
	// in its wait. Only ICMP probes carry a token.
	Unverified bool
}

// Answered reports whether the probe got an answer.
func (p Probe) Answered() bool { return p.Addr.IsValid() }

// onlyUnverified reports whether some of probes were answered, and every
// answer is unverified.
func onlyUnverified(probes []Probe) bool {
	n := 0
	for _, p := range probes {
		if p.Answered() {
			if !p.Unverified {
				return false
			}
			n++
		}
	}
	return n > 0
}

// BackHops is how many hops an answer crossed on its way back, from its
// TTL as received: the sender's initial TTL (taken as the smallest of 64,
// 128 and 255 at or above it: Linux and most routers, Windows, network
// gear) minus the received TTL, plus one, so that a symmetric path gives
// the hop's own TTL (tracepath's reading). 0 when the TTL is unknown.
func BackHops(replyTTL int) int {
	for _, initial := range []int{64, 128, 255} {
		if replyTTL > 0 && replyTTL <= initial {
			return initial - replyTTL + 1
		}
	}
	return 0
}

type probeJSON struct {
	Addr        string          `json:"addr,omitempty"`
	RTT         *float64        `json:"rtt_ms,omitempty"`
	Timeout     bool            `json:"timeout,omitempty"`
	RateLimited bool            `json:"rate_limited,omitempty"`
	Annotation  string          `json:"annotation,omitempty"`
	ICMPType    *int            `json:"icmp_type,omitempty"`
	ICMPCode    *int            `json:"icmp_code,omitempty"`
	TCPFlags    string          `json:"tcp_flags,omitempty"`
	ReplyTTL    int             `json:"reply_ttl,omitempty"`
	Flow        int             `json:"flow,omitempty"`
	SentTTL     int             `json:"sent_ttl,omitempty"`
	Attempts    int             `json:"attempts,omitempty"`
	Unverified  bool            `json:"unverified,omitempty"`
	MPLS        []MPLSLabel     `json:"mpls,omitempty"`
	Interfaces  []InterfaceInfo `json:"interfaces,omitempty"`
}

// MarshalJSON writes the contract's probe object: addr and rtt_ms for an
// answer, timeout (and rate_limited) otherwise.
func (p Probe) MarshalJSON() ([]byte, error) {
	j := probeJSON{
		Timeout: p.Timeout || p.RateLimited, RateLimited: p.RateLimited, Annotation: p.Annotation,
		TCPFlags: p.TCPFlags, ReplyTTL: p.ReplyTTL, Flow: p.Flow, SentTTL: p.SentTTL,
	}
	if p.Attempts > 1 {
		j.Attempts = p.Attempts
	}
	if p.Answered() {
		j.Addr = p.Addr.String()
		ms := Millis(p.RTT)
		j.RTT = &ms
		j.Timeout, j.RateLimited, j.Unverified = false, false, p.Unverified
	}
	if p.ICMPType >= 0 && p.Answered() && p.TCPFlags == "" {
		t, c := p.ICMPType, p.ICMPCode
		j.ICMPType, j.ICMPCode = &t, &c
	}
	if p.Extensions != nil {
		j.MPLS, j.Interfaces = p.Extensions.MPLS, p.Extensions.Interfaces
	}
	return json.Marshal(j)
}

// Millis is d in milliseconds, rounded to microseconds.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

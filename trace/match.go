package trace

import (
	"net/netip"

	"netdx/icmpmsg"
)

// flowID is what stays the same across the TTLs of one flow: the ports of
// a UDP or TCP flow, the ICMP checksum of an ICMP flow.
type flowID struct {
	sport, dport int
	sum          uint16
}

// matcher tells which probe an answer is about, from the quoted packet
// (errors) or the answer itself (echo replies, TCP from the target), the
// way the probes' protocol reads it (its probing). It never decides from
// the source address alone.
type matcher struct {
	proto  Protocol
	target netip.Addr // without zone: answers and quotes carry none
	src    netip.Addr // our source address, without zone
	icmpID int
	cookie uint16 // upper half of TCP sequence numbers
	flows  []flowID
	// token is the run's icmpmsg token in ICMP probes' payload; datagram
	// is set on an unprivileged ICMP socket (the kernel owns the id).
	token    icmpmsg.Token
	datagram bool
}

// known reports whether token names an outstanding or recent probe, sent
// on flow when flow >= 0.
type known func(token uint16, flow int) bool

// claim is what an answer says about the probe it answers.
type claim struct {
	token uint16
	flow  int // -1: unknown (a NAT rewrote the quote)
	found bool
	// ICMP probes: unverified is set for an error whose quote stops
	// before the payload token (icmpmsg.MatchQuotedEcho); sentNS is the
	// send time the answer carries (0: not quoted) and size the payload
	// length of an echo reply.
	unverified bool
	sentNS     int64
	size       int
	// cause is set for an answer that is ours but fails a check.
	cause icmpmsg.Cause
}

// unclaimed is the claim of an answer to none of our probes.
func unclaimed() claim { return claim{flow: -1} }

// expect is what ICMP probes' answers must carry, for icmpmsg.
func (m *matcher) expect(v6 bool) icmpmsg.Expect {
	return icmpmsg.Expect{V6: v6, ID: m.icmpID, Datagram: m.datagram, Token: m.token}
}

// fromQuote returns the probe that q quotes.
func (m *matcher) fromQuote(q *icmpmsg.Quote, ok known) claim {
	if q.Dst.WithZone("") != m.target {
		return unclaimed()
	}
	return m.proto.probing().quoted(m, q, ok)
}

// fromEcho returns the probe an echo reply (msg, parsed from data; from
// src) answers. An answer that is ours but fails a check has found set and
// a cause.
func (m *matcher) fromEcho(msg *icmpmsg.Message, data []byte, src netip.Addr, ok known) claim {
	if !msg.EchoReply() {
		return unclaimed()
	}
	return m.proto.probing().echoed(m, msg, data, src, ok)
}

// fromTCP returns the probe a TCP segment from src (as read on a raw TCP
// socket, header first) answers, and its flags.
func (m *matcher) fromTCP(src netip.Addr, seg []byte, ok known) (claim, string) {
	return m.proto.probing().segment(m, src, seg, ok)
}

// fromQueued returns the probe an error from a socket's error queue is
// about: the queue hands back what we sent.
func (m *matcher) fromQueued(v6 bool, sent []byte, ok known) claim {
	return m.proto.probing().queued(m, v6, sent, ok)
}

func (m *matcher) flowByPort(port int) int {
	for i, f := range m.flows {
		if f.sport == port {
			return i
		}
	}
	return -1
}

// flowByNATSum is the flow of an echo request whose id a NAT rewrote to
// id, fixing the checksum to sum incrementally, or -1.
func (m *matcher) flowByNATSum(sum, id uint16) int {
	inv := onesSub(^sum, id)
	for f, fl := range m.flows {
		if inv == onesSub(^fl.sum, uint16(m.icmpID)) {
			return f
		}
	}
	return -1
}

func (m *matcher) flowBySum(sum uint16) int {
	for i, f := range m.flows {
		if f.sum == sum {
			return i
		}
	}
	return -1
}

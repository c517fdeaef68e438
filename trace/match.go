package trace

import (
	"bytes"
	"encoding/binary"
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
// (errors) or the answer itself (echo replies, TCP from the target). It
// never decides from the source address alone.
type matcher struct {
	proto  string     // "udp", "icmp", "tcp"
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

// expect is what ICMP probes' answers must carry, for icmpmsg.
func (m *matcher) expect(v6 bool) icmpmsg.Expect {
	return icmpmsg.Expect{V6: v6, ID: m.icmpID, Datagram: m.datagram, Token: m.token}
}

// fromQuote returns the probe that q quotes.
func (m *matcher) fromQuote(q *icmpmsg.Quote, ok known) claim {
	none := claim{flow: -1}
	if q.Dst.WithZone("") != m.target {
		return none
	}
	t := q.Transport
	switch m.proto {
	case "udp":
		if q.Proto != protoUDP {
			return none
		}
		sport, dport := q.Ports()
		if len(m.flows) == 0 || dport != m.flows[0].dport {
			return none
		}
		flow := m.flowByPort(sport)
		// The payload, when quoted, names the probe outright.
		if len(t) >= 8+minPayload && bytes.Equal(t[12:16], payloadTag[:]) {
			tok := binary.BigEndian.Uint16(t[10:])
			return claim{token: tok, flow: flow, found: ok(tok, flow)}
		}
		cs := binary.BigEndian.Uint16(t[6:])
		if flow >= 0 && q.Src.WithZone("") == m.src && ok(cs, flow) {
			return claim{token: cs, flow: flow, found: true}
		}
		// A NAT rewrote the source address or port. One that fixed the
		// checksum incrementally left the payload sum alone: undo its
		// change for each of our flows. One that did not left the
		// checksum itself.
		for f, id := range m.flows {
			before := sum16(uint32(sport), q.Src.AsSlice())
			after := sum16(uint32(id.sport), m.src.AsSlice())
			orig := ^onesSub(onesAdd(^cs, fold(after)), fold(before))
			if ok(orig, f) {
				return claim{token: orig, flow: f, found: true}
			}
		}
		return claim{token: cs, flow: -1, found: ok(cs, -1)}
	case "icmp":
		want := protoICMP
		if q.IPv6 {
			want = protoICMPv6
		}
		if q.Proto != want {
			return none
		}
		v := icmpmsg.MatchQuotedEcho(m.expect(q.IPv6), t)
		cs := binary.BigEndian.Uint16(t[2:])
		tok := binary.BigEndian.Uint16(t[6:])
		flow := m.flowBySum(cs)
		if id := binary.BigEndian.Uint16(t[4:]); int(id) != m.icmpID {
			// A NAT rewrote the echo id and fixed the checksum: the sum
			// of the two is what we sent.
			flow = m.flowByNATSum(cs, id)
		}
		switch {
		case v.Kind == icmpmsg.Error:
			return claim{token: tok, flow: flow, found: ok(tok, -1), unverified: v.Unverified, sentNS: v.SentNS}
		case len(t) < 8+icmpmsg.TokenLen && int(t[0]) == icmpmsg.EchoType(q.IPv6) && t[1] == 0 && flow >= 0:
			// A quote too short for the token, another echo id: a NAT's
			// rewrite if the sums agree. Still only a claim.
			return claim{token: tok, flow: flow, found: ok(tok, flow), unverified: true}
		}
		return none
	case "tcp":
		if q.Proto != protoTCP {
			return none
		}
		sport, dport := q.Ports()
		seq := binary.BigEndian.Uint32(t[4:])
		if len(m.flows) == 0 || dport != m.flows[0].dport || uint16(seq>>16) != m.cookie {
			return none
		}
		flow := m.flowByPort(sport)
		return claim{token: uint16(seq), flow: flow, found: ok(uint16(seq), flow)}
	}
	return none
}

// fromEcho returns the probe an echo reply (msg, parsed from data; from
// src) answers, checked as ping checks its replies (icmpmsg.MatchReply):
// our id, the checksum, the run's token and fill; the reply must come from
// the target.
// An answer that is ours but fails a check has found set and a cause.
func (m *matcher) fromEcho(msg *icmpmsg.Message, data []byte, src netip.Addr, ok known) claim {
	if m.proto != "icmp" || !msg.EchoReply() {
		return claim{flow: -1}
	}
	v := icmpmsg.MatchReply(m.expect(msg.IPv6), msg, data)
	tok := uint16(v.Seq)
	switch v.Kind {
	case icmpmsg.Invalid:
		return claim{token: tok, flow: -1, found: ok(tok, -1), cause: v.Cause}
	case icmpmsg.Reply:
		c := claim{token: tok, flow: -1, found: ok(tok, -1), sentNS: v.SentNS, size: v.Len}
		if src.WithZone("") != m.target {
			c.cause = icmpmsg.WrongSource
		}
		return c
	}
	return claim{flow: -1}
}

// fromTCP returns the token of the probe a TCP segment from the target
// (SYN-ACK or RST, as read on a raw TCP socket, header first) answers,
// and its flags.
func (m *matcher) fromTCP(src netip.Addr, seg []byte, ok known) (token uint16, flow int, flags string, found bool) {
	if m.proto != "tcp" || src.WithZone("") != m.target || len(seg) < 20 || len(m.flows) == 0 {
		return 0, -1, "", false
	}
	sport, dport := int(binary.BigEndian.Uint16(seg)), int(binary.BigEndian.Uint16(seg[2:]))
	ack := binary.BigEndian.Uint32(seg[8:]) - 1
	f := seg[13]
	if sport != m.flows[0].dport || f&0x10 == 0 || uint16(ack>>16) != m.cookie {
		return 0, -1, "", false
	}
	flow = m.flowByPort(dport)
	if flow < 0 {
		return 0, -1, "", false
	}
	switch {
	case f&0x04 != 0:
		flags = "R"
	case f&0x12 == 0x12:
		flags = "SA"
	default:
		return 0, -1, "", false
	}
	return uint16(ack), flow, flags, ok(uint16(ack), flow)
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

// fromQueued returns the probe an error from a socket's error queue is
// about: the queue hands back what we sent, a UDP payload or an ICMP echo
// request (checked by icmpmsg as ping checks its own).
func (m *matcher) fromQueued(v6 bool, sent []byte, ok known) claim {
	switch m.proto {
	case "udp":
		if len(sent) < minPayload || !bytes.Equal(sent[4:8], payloadTag[:]) {
			return claim{flow: -1}
		}
		tok := binary.BigEndian.Uint16(sent[2:])
		return claim{token: tok, flow: -1, found: ok(tok, -1)}
	case "icmp":
		v := icmpmsg.MatchQuotedEcho(m.expect(v6), sent)
		if v.Kind != icmpmsg.Error {
			return claim{flow: -1}
		}
		tok := uint16(v.Seq)
		return claim{token: tok, flow: -1, found: ok(tok, -1), unverified: v.Unverified, sentNS: v.SentNS}
	}
	return claim{flow: -1}
}

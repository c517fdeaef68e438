package trace

import (
	"bytes"
	"encoding/binary"
	"net/netip"
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
	proto  string // "udp", "icmp", "tcp"
	target netip.Addr
	src    netip.Addr // our source address
	icmpID int
	cookie uint16 // upper half of TCP sequence numbers
	flows  []flowID
}

// known reports whether token names an outstanding or recent probe, sent
// on flow when flow >= 0.
type known func(token uint16, flow int) bool

// fromQuote returns the token and flow (-1: unknown, the quote was
// rewritten by a NAT) of the probe that q quotes.
func (m *matcher) fromQuote(q *Quote, ok known) (token uint16, flow int, found bool) {
	if q.Dst != m.target {
		return 0, -1, false
	}
	t := q.Transport
	switch m.proto {
	case "udp":
		if q.Proto != protoUDP {
			return 0, -1, false
		}
		sport, dport := q.Ports()
		if len(m.flows) == 0 || dport != m.flows[0].dport {
			return 0, -1, false
		}
		flow := m.flowByPort(sport)
		// The payload, when quoted, names the probe outright.
		if len(t) >= 8+minPayload && bytes.Equal(t[12:16], payloadTag[:]) {
			tok := binary.BigEndian.Uint16(t[10:])
			return tok, flow, ok(tok, flow)
		}
		cs := binary.BigEndian.Uint16(t[6:])
		if flow >= 0 && q.Src == m.src && ok(cs, flow) {
			return cs, flow, true
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
				return orig, f, true
			}
		}
		return cs, -1, ok(cs, -1)
	case "icmp":
		want := protoICMP
		echo := byte(icmp4Echo)
		if q.IPv6 {
			want, echo = protoICMPv6, icmp6Echo
		}
		if q.Proto != want || t[0] != echo || t[1] != 0 {
			return 0, -1, false
		}
		cs := binary.BigEndian.Uint16(t[2:])
		id := int(binary.BigEndian.Uint16(t[4:]))
		tok := binary.BigEndian.Uint16(t[6:])
		if id == m.icmpID {
			return tok, m.flowBySum(cs), ok(tok, -1)
		}
		// A NAT rewrote the echo id and fixed the checksum: the sum of
		// the two is what we sent.
		inv := onesSub(^cs, uint16(id))
		for f, fl := range m.flows {
			if inv == onesSub(^fl.sum, uint16(m.icmpID)) {
				return tok, f, ok(tok, f)
			}
		}
		return 0, -1, false
	case "tcp":
		if q.Proto != protoTCP {
			return 0, -1, false
		}
		sport, dport := q.Ports()
		seq := binary.BigEndian.Uint32(t[4:])
		if len(m.flows) == 0 || dport != m.flows[0].dport || uint16(seq>>16) != m.cookie {
			return 0, -1, false
		}
		flow := m.flowByPort(sport)
		return uint16(seq), flow, ok(uint16(seq), flow)
	}
	return 0, -1, false
}

// fromEcho returns the token of the probe an echo reply answers.
func (m *matcher) fromEcho(msg *Message, data []byte, ok known) (uint16, bool) {
	if m.proto != "icmp" || msg.ID != m.icmpID {
		return 0, false
	}
	tok := uint16(msg.Seq)
	// The payload comes back whole: check our tag when it is there.
	if len(data) >= 8+minPayload && !bytes.Equal(data[12:16], payloadTag[:]) {
		return 0, false
	}
	return tok, ok(tok, -1)
}

// fromTCP returns the token of the probe a TCP segment from the target
// (SYN-ACK or RST, as read on a raw TCP socket, header first) answers,
// and its flags.
func (m *matcher) fromTCP(src netip.Addr, seg []byte, ok known) (token uint16, flow int, flags string, found bool) {
	if m.proto != "tcp" || src != m.target || len(seg) < 20 || len(m.flows) == 0 {
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

func (m *matcher) flowBySum(sum uint16) int {
	for i, f := range m.flows {
		if f.sum == sum {
			return i
		}
	}
	return -1
}

// onesAdd is a + b in one's complement arithmetic.
func onesAdd(a, b uint16) uint16 { return fold(uint32(a) + uint32(b)) }

// fromQueued returns the token of the probe an error from a socket's error
// queue is about: the queue hands back what we sent, a UDP payload or an
// ICMP echo request.
func (m *matcher) fromQueued(sent []byte, ok known) (uint16, bool) {
	switch m.proto {
	case "udp":
		if len(sent) < minPayload || !bytes.Equal(sent[4:8], payloadTag[:]) {
			return 0, false
		}
		tok := binary.BigEndian.Uint16(sent[2:])
		return tok, ok(tok, -1)
	case "icmp":
		if len(sent) < 8 || (sent[0] != icmp4Echo && sent[0] != icmp6Echo) ||
			int(binary.BigEndian.Uint16(sent[4:])) != m.icmpID {
			return 0, false
		}
		tok := binary.BigEndian.Uint16(sent[6:])
		return tok, ok(tok, -1)
	}
	return 0, false
}

package trace

import (
	"encoding/binary"
	"net/netip"

	"netdx/icmpmsg"
)

// tcpProbes are SYNs to a port, tcptraceroute's: a flow keeps its
// five-tuple, and the sequence number names the probe (its upper half is
// the run's cookie). The target answers with a SYN-ACK or a reset.
type tcpProbes struct{}

// tcpSYNSize is the size of a SYN probe: a header with an MSS option.
const tcpSYNSize = 24

func (tcpProbes) name() string          { return "tcp" }
func (tcpProbes) defaultPort() int      { return 443 }
func (tcpProbes) minPayload() int       { return 0 }
func (tcpProbes) transportSize(int) int { return tcpSYNSize }
func (tcpProbes) pathMTU() bool         { return false }
func (tcpProbes) rawOnly() bool         { return true }
func (tcpProbes) queued(*matcher, bool, []byte, known) claim {
	return unclaimed()
}
func (tcpProbes) echoed(*matcher, *icmpmsg.Message, []byte, netip.Addr, known) claim {
	return unclaimed()
}

// tcpSYN builds a TCP SYN from sport to dport with sequence seq and an MSS
// option, checksummed for src and dst.
func tcpSYN(src, dst netip.Addr, sport, dport int, seq uint32) []byte {
	b := make([]byte, tcpSYNSize)
	binary.BigEndian.PutUint16(b, uint16(sport))
	binary.BigEndian.PutUint16(b[2:], uint16(dport))
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = 6 << 4 // data offset: 6 words
	b[13] = 0x02   // SYN
	binary.BigEndian.PutUint16(b[14:], 64240)
	copy(b[20:], []byte{2, 4, 0x05, 0xb4}) // MSS 1460
	s := pseudoSum(src, dst, protoTCP, len(b))
	binary.BigEndian.PutUint16(b[16:], ^icmpmsg.Fold(icmpmsg.Sum16(s, b)))
	return b
}

// tcpSeq is the sequence number of the probe token on a run with cookie.
func tcpSeq(cookie, token uint16) uint32 { return uint32(cookie)<<16 | uint32(token) }

// quoted: the quoted SYN's ports and sequence number.
func (tcpProbes) quoted(m *matcher, q *icmpmsg.Quote, ok known) claim {
	if q.Proto != protoTCP {
		return unclaimed()
	}
	sport, dport := q.Ports()
	s := binary.BigEndian.Uint32(q.Transport[4:])
	if len(m.flows) == 0 || dport != m.flows[0].dport || uint16(s>>16) != m.cookie {
		return unclaimed()
	}
	flow := m.flowByPort(sport)
	return claim{token: uint16(s), flow: flow, found: ok(uint16(s), flow)}
}

// segment reads a SYN-ACK or reset from the target: it acknowledges the
// probe's sequence number.
func (tcpProbes) segment(m *matcher, src netip.Addr, seg []byte, ok known) (claim, string) {
	if src.WithZone("") != m.target || len(seg) < 20 || len(m.flows) == 0 {
		return unclaimed(), ""
	}
	sport, dport := int(binary.BigEndian.Uint16(seg)), int(binary.BigEndian.Uint16(seg[2:]))
	ack := binary.BigEndian.Uint32(seg[8:]) - 1
	f := seg[13]
	if sport != m.flows[0].dport || f&0x10 == 0 || uint16(ack>>16) != m.cookie {
		return unclaimed(), ""
	}
	flow := m.flowByPort(dport)
	if flow < 0 {
		return unclaimed(), ""
	}
	var flags string
	switch {
	case f&0x04 != 0:
		flags = "R"
	case f&0x12 == 0x12:
		flags = "SA"
	default:
		return unclaimed(), ""
	}
	return claim{token: uint16(ack), flow: flow, found: ok(uint16(ack), flow)}, flags
}

package trace

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"netdx/icmpmsg"
)

// udpProbes are datagrams to a high port, traceroute's: a flow keeps its
// ports, and the UDP checksum names the probe (Paris traceroute). The
// payload carries the token and a tag, so that an error that quotes it
// (or the error queue, which returns it) is known to be ours.
type udpProbes struct{}

// udpMinPayload is the smallest UDP probe payload: adjust word, token,
// tag.
const udpMinPayload = 8

// payloadTag follows the adjust and token words of a UDP probe's payload.
var payloadTag = [4]byte{'n', 'd', 'x', 't'}

func (udpProbes) name() string            { return "udp" }
func (udpProbes) defaultPort() int        { return 33434 }
func (udpProbes) minPayload() int         { return udpMinPayload }
func (udpProbes) transportSize(n int) int { return 8 + n }
func (udpProbes) pathMTU() bool           { return true }
func (udpProbes) rawOnly() bool           { return false }
func (udpProbes) echoed(*matcher, *icmpmsg.Message, []byte, netip.Addr, known) claim {
	return unclaimed()
}
func (udpProbes) segment(*matcher, netip.Addr, []byte, known) (claim, string) {
	return unclaimed(), ""
}

// udpPayload builds the payload of a UDP probe of n bytes (at least
// udpMinPayload) whose UDP checksum will be token: Paris traceroute's way
// to tell probes apart while the five-tuple stays the same for every TTL.
// token must not be 0 or 0xffff.
func udpPayload(n int, src, dst netip.Addr, sport, dport int, token uint16) []byte {
	b := make([]byte, max(n, udpMinPayload))
	binary.BigEndian.PutUint16(b[2:], token)
	copy(b[4:], payloadTag[:])
	length := 8 + len(b)
	s := pseudoSum(src, dst, protoUDP, length)
	s += uint32(sport) + uint32(dport) + uint32(length)
	s = icmpmsg.Sum16(s, b)
	// The checksum is ^(s + adj): choose adj so that it equals token.
	binary.BigEndian.PutUint16(b, onesSub(^token, icmpmsg.Fold(s)))
	return b
}

// quoted: the payload, when quoted, names the probe outright; else the
// checksum does, also through a NAT that rewrote the source.
func (udpProbes) quoted(m *matcher, q *icmpmsg.Quote, ok known) claim {
	if q.Proto != protoUDP {
		return unclaimed()
	}
	t := q.Transport
	sport, dport := q.Ports()
	if len(m.flows) == 0 || dport != m.flows[0].dport {
		return unclaimed()
	}
	flow := m.flowByPort(sport)
	if len(t) >= 8+udpMinPayload && bytes.Equal(t[12:16], payloadTag[:]) {
		tok := binary.BigEndian.Uint16(t[10:])
		return claim{token: tok, flow: flow, found: ok(tok, flow)}
	}
	cs := binary.BigEndian.Uint16(t[6:])
	if flow >= 0 && q.Src.WithZone("") == m.src && ok(cs, flow) {
		return claim{token: cs, flow: flow, found: true}
	}
	// A NAT rewrote the source address or port. One that fixed the
	// checksum incrementally left the payload sum alone: undo its change
	// for each of our flows. One that did not left the checksum itself.
	for f, id := range m.flows {
		before := icmpmsg.Sum16(uint32(sport), q.Src.AsSlice())
		after := icmpmsg.Sum16(uint32(id.sport), m.src.AsSlice())
		orig := ^onesSub(onesAdd(^cs, icmpmsg.Fold(after)), icmpmsg.Fold(before))
		if ok(orig, f) {
			return claim{token: orig, flow: f, found: true}
		}
	}
	return claim{token: cs, flow: -1, found: ok(cs, -1)}
}

// queued: the error queue hands back the payload sent.
func (udpProbes) queued(_ *matcher, _ bool, sent []byte, ok known) claim {
	if len(sent) < udpMinPayload || !bytes.Equal(sent[4:8], payloadTag[:]) {
		return unclaimed()
	}
	tok := binary.BigEndian.Uint16(sent[2:])
	return claim{token: tok, flow: -1, found: ok(tok, -1)}
}

package trace

import (
	"encoding/binary"
	"net/netip"

	"netdx/icmpmsg"
)

// UDP probe payloads carry this tag after the adjust and token words, so
// that an error that quotes the payload (or the error queue, which returns
// it) is known to be ours. ICMP probes carry icmpmsg's payload instead, the
// one ping sends, and are checked the way ping checks its own.
var payloadTag = [4]byte{'n', 'd', 'x', 't'}

// minPayload is the smallest UDP probe payload: adjust word, token, tag.
const minPayload = 8

// minSize is the smallest payload of a probe of proto.
func minSize(proto string) int {
	if proto == "icmp" {
		return icmpmsg.MinPayload
	}
	return minPayload
}

// Protocol numbers of the probes.
const (
	protoICMP   = icmpmsg.ProtoICMP
	protoTCP    = icmpmsg.ProtoTCP
	protoUDP    = icmpmsg.ProtoUDP
	protoICMPv6 = icmpmsg.ProtoICMPv6
)

// pseudoSum is the checksum sum of the IPv4 or IPv6 pseudo-header.
func pseudoSum(src, dst netip.Addr, proto, length int) uint32 {
	s := sum16(0, src.AsSlice())
	s = sum16(s, dst.AsSlice())
	return s + uint32(proto) + uint32(length>>16) + uint32(length&0xffff)
}

// udpPayload builds the payload of a UDP probe of n bytes (at least
// minPayload) whose UDP checksum will be token: Paris traceroute's way to
// tell probes apart while the five-tuple stays the same for every TTL.
// token must not be 0 or 0xffff.
func udpPayload(n int, src, dst netip.Addr, sport, dport int, token uint16) []byte {
	b := make([]byte, max(n, minPayload))
	binary.BigEndian.PutUint16(b[2:], token)
	copy(b[4:], payloadTag[:])
	length := 8 + len(b)
	s := pseudoSum(src, dst, protoUDP, length)
	s += uint32(sport) + uint32(dport) + uint32(length)
	s = sum16(s, b)
	// The checksum is ^(s + adj): choose adj so that it equals token.
	binary.BigEndian.PutUint16(b, onesSub(^token, fold(s)))
	return b
}

// udpChecksum is the checksum the kernel puts in a UDP header.
func udpChecksum(src, dst netip.Addr, sport, dport int, payload []byte) uint16 {
	length := 8 + len(payload)
	s := pseudoSum(src, dst, protoUDP, length)
	s += uint32(sport) + uint32(dport) + uint32(length)
	c := ^fold(sum16(s, payload))
	if c == 0 {
		c = 0xffff
	}
	return c
}

// echoRequest builds an ICMP (v6 false) or ICMPv6 echo request of n bytes
// of payload (at least icmpmsg.MinPayload) with id and seq = token,
// carrying the run's icmpmsg payload p, whose checksum is flowSum whatever
// the token and send time: the payload's index word is the adjustment.
// ECMP routers that hash on the first bytes of the ICMP header then send
// every probe of the flow the same way. For ICMPv6 the checksum covers the
// pseudo-header (src, dst); the kernel fills it in, and it comes out as
// flowSum.
func echoRequest(v6 bool, n int, src, dst netip.Addr, id int, token, flowSum uint16, p icmpmsg.Payload) []byte {
	b := make([]byte, 8+max(n, icmpmsg.MinPayload))
	b[0] = byte(icmpmsg.EchoType(v6))
	var s uint32
	if v6 {
		s = pseudoSum(src, dst, protoICMPv6, len(b))
	}
	binary.BigEndian.PutUint16(b[4:], uint16(id))
	binary.BigEndian.PutUint16(b[6:], token)
	p.Index = 0
	p.Put(b[8:])
	s = sum16(s, b)
	binary.BigEndian.PutUint16(b[8+icmpmsg.IndexAt:], onesSub(^flowSum, fold(s)))
	if !v6 {
		binary.BigEndian.PutUint16(b[2:], flowSum)
	}
	return b
}

// tcpSYN builds a TCP SYN from sport to dport with sequence seq and an MSS
// option, checksummed for src and dst.
func tcpSYN(src, dst netip.Addr, sport, dport int, seq uint32) []byte {
	b := make([]byte, 24)
	binary.BigEndian.PutUint16(b, uint16(sport))
	binary.BigEndian.PutUint16(b[2:], uint16(dport))
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = 6 << 4 // data offset: 6 words
	b[13] = 0x02   // SYN
	binary.BigEndian.PutUint16(b[14:], 64240)
	copy(b[20:], []byte{2, 4, 0x05, 0xb4}) // MSS 1460
	s := pseudoSum(src, dst, protoTCP, len(b))
	binary.BigEndian.PutUint16(b[16:], ^fold(sum16(s, b)))
	return b
}

// Checksum arithmetic for building probes and undoing NAT rewrites
// (icmpmsg.Checksum checks whole messages).

// sum16 adds b to s as 16-bit big-endian words, without folding.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// fold folds the carries of s into 16 bits.
func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// onesSub is a - b in one's complement arithmetic.
func onesSub(a, b uint16) uint16 {
	return fold(uint32(a) + uint32(^b))
}

// onesAdd is a + b in one's complement arithmetic.
func onesAdd(a, b uint16) uint16 { return fold(uint32(a) + uint32(b)) }

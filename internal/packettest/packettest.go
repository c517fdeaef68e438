// Package packettest builds the packets netdx's tests make up: IPv4 and
// IPv6 headers, ICMP and ICMPv6 messages, UDP datagrams and TCP segments,
// on golang.org/x/net's marshalling and icmpmsg's checksum. Unit tests
// feed them to the code under test, and the lab's forger sends them.
// Packets captured from real hosts stay bytes in testdata; this is for
// the ones a test invents.
//
// Marshalling errors are a test's own mistake (an address of the wrong
// family, say), so the builders panic on them.
package packettest

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
)

// IPv4 is the IPv4 packet with header h carrying payload: the header's
// version, length, total length and checksum are filled in.
func IPv4(h ipv4.Header, payload []byte) []byte {
	h.Version, h.Len, h.TotalLen = ipv4.Version, ipv4.HeaderLen+len(h.Options), ipv4.HeaderLen+len(h.Options)+len(payload)
	h.Checksum = 0
	b, err := h.Marshal()
	if err != nil {
		panic("packettest: " + err.Error())
	}
	binary.BigEndian.PutUint16(b[10:], icmpmsg.Checksum(b))
	return append(b, payload...)
}

// IPv6 is the IPv6 packet with header h carrying payload (no extension
// headers): the version and payload length are filled in.
func IPv6(h ipv6.Header, payload []byte) []byte {
	b := make([]byte, ipv6.HeaderLen, ipv6.HeaderLen+len(payload))
	binary.BigEndian.PutUint32(b, uint32(ipv6.Version)<<28|uint32(h.TrafficClass&0xff)<<20|uint32(h.FlowLabel&0xfffff))
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6], b[7] = byte(h.NextHeader), byte(h.HopLimit)
	if h.Src.To16() == nil || h.Dst.To16() == nil {
		panic("packettest: an IPv6 header needs both addresses")
	}
	copy(b[8:24], h.Src.To16())
	copy(b[24:40], h.Dst.To16())
	return append(b, payload...)
}

// IP is the packet from src to dst carrying payload of protocol proto,
// with TTL (hop limit) ttl and no options: IPv4 or IPv6 by the addresses.
func IP(src, dst netip.Addr, proto, ttl int, payload []byte) []byte {
	if dst.Is4() {
		return IPv4(ipv4.Header{TTL: ttl, Protocol: proto, Src: src.AsSlice(), Dst: dst.AsSlice()}, payload)
	}
	return IPv6(ipv6.Header{NextHeader: proto, HopLimit: ttl, Src: src.AsSlice(), Dst: dst.AsSlice()}, payload)
}

// WithTTL is a copy of the IP packet pkt with its TTL (hop limit) set to
// ttl, the IPv4 header checksum made right again: the packet as a router
// down the path holds it.
func WithTTL(pkt []byte, ttl int) []byte {
	b := append([]byte(nil), pkt...)
	if b[0]>>4 == 6 {
		b[7] = byte(ttl)
		return b
	}
	hl := int(b[0]&0x0f) * 4
	b[8], b[10], b[11] = byte(ttl), 0, 0
	binary.BigEndian.PutUint16(b[10:], icmpmsg.Checksum(b[:hl]))
	return b
}

package packettest

import (
	"encoding/binary"
	"net/netip"

	"netdx/icmpmsg"
)

// TCP flags.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	ACK = 0x10
)

// UDP is the UDP datagram from src to dst with its checksum.
func UDP(src, dst netip.Addr, sport, dport int, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b, uint16(sport))
	binary.BigEndian.PutUint16(b[2:], uint16(dport))
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	b = append(b, payload...)
	c := transportChecksum(src, dst, icmpmsg.ProtoUDP, b)
	if c == 0 {
		c = 0xffff // RFC 768: a computed 0 goes as all ones
	}
	binary.BigEndian.PutUint16(b[6:], c)
	return b
}

// TCPHeader is what a test sets of a TCP header; TCP fills in the data
// offset and the checksum.
type TCPHeader struct {
	SrcPort, DstPort int
	Seq, Ack         uint32
	Flags            byte
	Window           int
	Options          []byte // a multiple of 4 bytes
}

// TCP is the TCP segment with header h carrying payload from src to dst,
// with its checksum.
func TCP(src, dst netip.Addr, h TCPHeader, payload []byte) []byte {
	hl := 20 + len(h.Options)
	b := make([]byte, 20, hl+len(payload))
	binary.BigEndian.PutUint16(b, uint16(h.SrcPort))
	binary.BigEndian.PutUint16(b[2:], uint16(h.DstPort))
	binary.BigEndian.PutUint32(b[4:], h.Seq)
	binary.BigEndian.PutUint32(b[8:], h.Ack)
	b[12], b[13] = byte(hl/4)<<4, h.Flags
	binary.BigEndian.PutUint16(b[14:], uint16(h.Window))
	b = append(append(b, h.Options...), payload...)
	binary.BigEndian.PutUint16(b[16:], transportChecksum(src, dst, icmpmsg.ProtoTCP, b))
	return b
}

// transportChecksum is the checksum of a UDP or TCP segment b (its
// checksum field zero) with the pseudo-header of src and dst.
func transportChecksum(src, dst netip.Addr, proto int, b []byte) uint16 {
	s := icmpmsg.Sum16(0, src.AsSlice())
	s = icmpmsg.Sum16(s, dst.AsSlice())
	s += uint32(proto) + uint32(len(b))
	return ^icmpmsg.Fold(icmpmsg.Sum16(s, b))
}

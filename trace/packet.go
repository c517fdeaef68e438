package trace

import (
	"net/netip"

	"netdx/icmpmsg"
)

// Protocol numbers of the probes.
const (
	protoICMP   = icmpmsg.ProtoICMP
	protoTCP    = icmpmsg.ProtoTCP
	protoUDP    = icmpmsg.ProtoUDP
	protoICMPv6 = icmpmsg.ProtoICMPv6
)

// pseudoSum is the checksum sum of the IPv4 or IPv6 pseudo-header.
func pseudoSum(src, dst netip.Addr, proto, length int) uint32 {
	s := icmpmsg.Sum16(0, src.AsSlice())
	s = icmpmsg.Sum16(s, dst.AsSlice())
	return s + uint32(proto) + uint32(length>>16) + uint32(length&0xffff)
}

// onesSub is a - b in one's complement arithmetic.
func onesSub(a, b uint16) uint16 {
	return icmpmsg.Fold(uint32(a) + uint32(^b))
}

// onesAdd is a + b in one's complement arithmetic.
func onesAdd(a, b uint16) uint16 { return icmpmsg.Fold(uint32(a) + uint32(b)) }

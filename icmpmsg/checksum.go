package icmpmsg

// Checksum is the Internet checksum of b (RFC 1071): 0 over a message whose
// checksum field is right.
func Checksum(b []byte) uint16 { return ^Fold(Sum16(0, b)) }

// Sum16 adds b to s as 16-bit big-endian words, an odd last byte padded
// with zero, without folding the carries: sums of several pieces (a
// pseudo-header and a message) add up before one Fold.
func Sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// Fold folds the carries of s into 16 bits (one's complement addition).
func Fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

package trace

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Transport protocol numbers.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// Quote is the start of one of our probes as an ICMP error quoted it: the
// IP header and at least the first 8 bytes of the transport header, which
// is all RFC 792 promises.
type Quote struct {
	IPv6     bool
	Src, Dst netip.Addr
	Proto    int
	TTL      int // the quoted TTL / hop limit (what was left at the router)
	Length   int // the IP total length (IPv6: header + payload length)
	// Transport is the quoted transport header and payload, at least 8
	// bytes.
	Transport []byte
}

// ParseQuote decodes the original datagram of an ICMP error. Quotes with
// less than 8 bytes of transport header cannot be matched to a probe and
// give ErrTruncated.
func ParseQuote(b []byte) (Quote, error) {
	if len(b) < 1 {
		return Quote{}, fmt.Errorf("%w: empty quote", ErrTruncated)
	}
	var q Quote
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return q, fmt.Errorf("%w: ipv4 header of %d bytes", ErrTruncated, len(b))
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 {
			return q, fmt.Errorf("%w: ipv4 header length %d", ErrBadQuote, ihl)
		}
		if len(b) < ihl {
			return q, fmt.Errorf("%w: ipv4 header of %d bytes, %d quoted", ErrTruncated, ihl, len(b))
		}
		q.Length = int(binary.BigEndian.Uint16(b[2:]))
		q.TTL, q.Proto = int(b[8]), int(b[9])
		q.Src = netip.AddrFrom4([4]byte(b[12:16]))
		q.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		q.Transport = b[ihl:]
	case 6:
		if len(b) < 40 {
			return q, fmt.Errorf("%w: ipv6 header of %d bytes", ErrTruncated, len(b))
		}
		q.IPv6 = true
		q.Length = 40 + int(binary.BigEndian.Uint16(b[4:]))
		q.TTL = int(b[7])
		q.Src = netip.AddrFrom16([16]byte(b[8:24]))
		q.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		next, rest := int(b[6]), b[40:]
		// Skip the extension headers a probe may carry.
		for next == 0 || next == 43 || next == 44 || next == 60 {
			if len(rest) < 8 {
				return q, fmt.Errorf("%w: ipv6 extension header", ErrTruncated)
			}
			n := 8
			if next != 44 {
				n = (int(rest[1]) + 1) * 8
			}
			if len(rest) < n {
				return q, fmt.Errorf("%w: ipv6 extension header of %d bytes", ErrTruncated, n)
			}
			next, rest = int(rest[0]), rest[n:]
		}
		q.Proto, q.Transport = next, rest
	default:
		return q, fmt.Errorf("%w: ip version %d", ErrBadQuote, b[0]>>4)
	}
	if len(q.Transport) < 8 {
		return q, fmt.Errorf("%w: %d bytes of transport header quoted, 8 needed", ErrTruncated, len(q.Transport))
	}
	return q, nil
}

// Ports are the source and destination ports of a quoted UDP or TCP
// header.
func (q *Quote) Ports() (src, dst int) {
	return int(binary.BigEndian.Uint16(q.Transport)), int(binary.BigEndian.Uint16(q.Transport[2:]))
}

package icmpmsg

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Quote is the start of a probe as an ICMP error quoted it: the
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
//
// The IP header is decoded by golang.org/x/net/ipv4 and ipv6. Two things
// stay here: the IPv4 total length is read from the bytes, because
// (*ipv4.Header).Parse reads it in host order on the BSDs and macOS (it
// is meant for headers a raw socket hands over, while a quote is always
// in network order); and the IPv6 extension headers a probe may carry
// are skipped here, as x/net/ipv6 has no parser for them.
func ParseQuote(b []byte) (Quote, error) {
	if len(b) < 1 {
		return Quote{}, fmt.Errorf("%w: empty quote", ErrTruncated)
	}
	var q Quote
	switch b[0] >> 4 {
	case 4:
		h, err := ipv4.ParseHeader(b)
		if err != nil {
			if ihl := int(b[0]&0x0f) * 4; len(b) >= ipv4.HeaderLen && ihl < ipv4.HeaderLen {
				return q, fmt.Errorf("%w: ipv4 header length %d", ErrBadQuote, ihl)
			}
			return q, fmt.Errorf("%w: ipv4 header in %d quoted bytes: %v", ErrTruncated, len(b), err)
		}
		q.Length = int(binary.BigEndian.Uint16(b[2:]))
		q.TTL, q.Proto = h.TTL, h.Protocol
		q.Src = netip.AddrFrom4([4]byte(h.Src.To4()))
		q.Dst = netip.AddrFrom4([4]byte(h.Dst.To4()))
		q.Transport = b[h.Len:]
	case 6:
		h, err := ipv6.ParseHeader(b)
		if err != nil {
			return q, fmt.Errorf("%w: ipv6 header of %d bytes: %v", ErrTruncated, len(b), err)
		}
		q.IPv6 = true
		q.Length = ipv6.HeaderLen + h.PayloadLen
		q.TTL = h.HopLimit
		q.Src = netip.AddrFrom16([16]byte(h.Src))
		q.Dst = netip.AddrFrom16([16]byte(h.Dst))
		next, rest := h.NextHeader, b[ipv6.HeaderLen:]
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

package icmpmsg

// The parsers as they were before they moved onto golang.org/x/net, kept
// as the oracle of FuzzXNetEquivalence (equivalence_test.go): the x/net-
// based parsers must give the same results and the same error sentinels.
// Deliberate changes since are marked in oldParseMessage: Source Quench
// (which ping reads), and a structure at byte 128 when the RFC 4884 length
// announced one elsewhere (shorter, or past the end).

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// oldParseMessage decodes b, an ICMP (v6 false) or ICMPv6 message without IP
// header, as read from an ICMP socket. It does not verify the checksum:
// the kernel already has for ICMPv6, and routers that rewrite quotes
// routinely get it wrong for ICMP.
func oldParseMessage(v6 bool, b []byte) (Message, error) {
	if len(b) < 8 {
		return Message{}, fmt.Errorf("%w: icmp message of %d bytes", ErrTruncated, len(b))
	}
	m := Message{IPv6: v6, Type: int(b[0]), Code: int(b[1])}
	// lenField is the RFC 4884 length of the original datagram, in 32-bit
	// (ICMP) or 64-bit (ICMPv6) words; unit is the word size.
	var lenField, unit int
	switch {
	case m.EchoReply():
		m.ID = int(binary.BigEndian.Uint16(b[4:]))
		m.Seq = int(binary.BigEndian.Uint16(b[6:]))
		if len(b) > 8 {
			m.Data = b[8:]
		}
		return m, nil
	case !v6 && m.Type == TypeSourceQuench:
		// Deliberate change: ping has always read Source Quench.
		m.Quote = b[8:]
		return m, nil
	case !v6 && (m.Type == TypeUnreachable || m.Type == TypeTimeExceeded || m.Type == TypeParamProblem):
		lenField, unit = int(b[5]), 4
		if m.Type == TypeUnreachable && m.Code == 4 {
			m.MTU = int(binary.BigEndian.Uint16(b[6:]))
		}
	case v6 && (m.Type == Type6Unreachable || m.Type == Type6TimeExceeded):
		lenField, unit = int(b[4]), 8
	case v6 && m.Type == Type6PacketTooBig:
		m.MTU = int(binary.BigEndian.Uint32(b[4:]))
	case v6 && m.Type == Type6ParamProblem:
	default:
		return m, fmt.Errorf("%w: type %d code %d", ErrNotError, m.Type, m.Code)
	}
	data := b[8:]
	m.Quote = data
	if lenField > 0 {
		n := lenField * unit
		// Deliberate change: the length field announces a structure; when
		// it points past the end (trippy issue 1561), or what follows a
		// length under 128 is not one (trippy issue 804), a structure at
		// 128 whose checksum is right or zero is read.
		at128 := func() bool {
			if len(data) > 128+4 && (m.TimeExceeded() || m.Unreachable()) {
				if ext, err := oldParseExtensions(data[128:]); err == nil && (ext.checksumOK || ext.unsummed) {
					m.Extensions = ext
					return true
				}
			}
			return false
		}
		if n > len(data) {
			if at128() {
				m.Quote = data[:128]
				return m, nil
			}
			return m, fmt.Errorf("%w: rfc 4884 length %d bytes, %d present", ErrTruncated, n, len(data))
		}
		m.Quote = data[:n]
		if n < len(data) {
			ext, err := oldParseExtensions(data[n:])
			if err != nil {
				if n < 128 && at128() {
					return m, nil
				}
				return m, err
			}
			m.Extensions = ext
		}
		return m, nil
	}
	// Routers that predate RFC 4884 put the extensions after a 128-byte
	// original datagram and leave the length zero (RFC 4884 section 5.5);
	// accept them only when the structure's version and checksum check.
	if len(data) > 128+4 && (m.TimeExceeded() || m.Unreachable()) {
		if ext, err := oldParseExtensions(data[128:]); err == nil && ext.checksumOK {
			m.Quote = data[:128]
			m.Extensions = ext
		}
	}
	return m, nil
}

// oldParseExtensions decodes an RFC 4884 extension structure: a 4-byte
// header (version 2, checksum) and objects of length, class and c-type.
func oldParseExtensions(b []byte) (*Extensions, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	if v := b[0] >> 4; v != 2 {
		return nil, fmt.Errorf("%w: version %d", ErrBadExtension, v)
	}
	e := &Extensions{}
	sum := binary.BigEndian.Uint16(b[2:])
	// A zero checksum means the sender did not compute one.
	e.checksumOK = sum != 0 && Checksum(b) == 0
	e.unsummed = sum == 0
	for rest := b[4:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: object header of %d bytes", ErrTruncated, len(rest))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n < 4 || n > len(rest) {
			return nil, fmt.Errorf("%w: object length %d of %d bytes", ErrBadExtension, n, len(rest))
		}
		class, ctype, body := int(rest[2]), int(rest[3]), rest[4:n]
		rest = rest[n:]
		switch {
		case class == classMPLS && ctype == 1:
			if len(body)%4 != 0 {
				return nil, fmt.Errorf("%w: mpls stack of %d bytes", ErrBadExtension, len(body))
			}
			for i := 0; i+4 <= len(body); i += 4 {
				v := binary.BigEndian.Uint32(body[i:])
				e.MPLS = append(e.MPLS, MPLSLabel{
					Label: int(v >> 12), TC: int(v>>9) & 7, S: v&0x100 != 0, TTL: int(v & 0xff),
				})
			}
		case class == classInterface:
			ii, odd, err := oldParseInterfaceInfo(ctype, body)
			if err != nil {
				return nil, err
			}
			if odd {
				e.odd.Add(UnalignedName, 1)
			}
			e.Interfaces = append(e.Interfaces, ii)
		default:
			e.Unknown = append(e.Unknown, ObjectType{Class: class, CType: ctype})
		}
	}
	return e, nil
}

// oldParseInterfaceInfo decodes an RFC 5837 object: the c-type holds the
// interface role (2 bits) and flags for the sub-objects present, in the
// order ifIndex, IP address, name, MTU. odd reports an unaligned name,
// read as nameLength says (the leniency came after the move to x/net).
func oldParseInterfaceInfo(ctype int, b []byte) (ii InterfaceInfo, odd bool, err error) {
	ii = InterfaceInfo{Role: interfaceRoles[ctype>>6]}
	short := func(what string) error {
		return fmt.Errorf("%w: interface information: %s needs more than %d bytes", ErrTruncated, what, len(b))
	}
	if ctype&0x08 != 0 {
		if len(b) < 4 {
			return ii, false, short("ifindex")
		}
		ii.Index, b = int(binary.BigEndian.Uint32(b)), b[4:]
	}
	if ctype&0x04 != 0 {
		if len(b) < 4 {
			return ii, false, short("address")
		}
		switch afi := binary.BigEndian.Uint16(b); afi {
		case 1:
			if len(b) < 8 {
				return ii, false, short("ipv4 address")
			}
			ii.Addr, b = netip.AddrFrom4([4]byte(b[4:8])), b[8:]
		case 2:
			if len(b) < 20 {
				return ii, false, short("ipv6 address")
			}
			ii.Addr, b = netip.AddrFrom16([16]byte(b[4:20])), b[20:]
		default:
			return ii, false, fmt.Errorf("%w: interface address family %d", ErrBadExtension, afi)
		}
	}
	if ctype&0x02 != 0 {
		if len(b) < 1 {
			return ii, false, short("name")
		}
		var n int
		if n, odd, err = nameLength(b, ctype&0x01 != 0); err != nil {
			return ii, false, err
		}
		name := b[1:n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		ii.Name, b = string(name), b[n:]
	}
	if ctype&0x01 != 0 {
		if len(b) < 4 {
			return ii, false, short("mtu")
		}
		ii.MTU = int(binary.BigEndian.Uint32(b))
	}
	return ii, odd, nil
}

// oldParseQuote decodes the original datagram of an ICMP error. Quotes with
// less than 8 bytes of transport header cannot be matched to a probe and
// give ErrTruncated.
func oldParseQuote(b []byte) (Quote, error) {
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

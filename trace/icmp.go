package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ICMP and ICMPv6 message types trace reads.
const (
	icmp4EchoReply    = 0
	icmp4Unreachable  = 3
	icmp4Echo         = 8
	icmp4TimeExceeded = 11
	icmp4ParamProblem = 12

	icmp6Unreachable  = 1
	icmp6PacketTooBig = 2
	icmp6TimeExceeded = 3
	icmp6ParamProblem = 4
	icmp6Echo         = 128
	icmp6EchoReply    = 129
)

// ErrTruncated is returned (wrapped) for a message or quote too short to
// carry what its header announces.
var ErrTruncated = errors.New("trace: truncated packet")

// ErrNotError is returned by ParseMessage for an ICMP message that is
// neither an error quoting a packet nor an echo reply.
var ErrNotError = errors.New("trace: not an icmp error or echo reply")

// ErrBadQuote is returned (wrapped) for a quoted datagram that is not an IP
// packet.
var ErrBadQuote = errors.New("trace: bad quoted packet")

// Message is a decoded ICMP or ICMPv6 message that matters to a trace: an
// error quoting one of our probes, or an echo reply.
type Message struct {
	IPv6       bool
	Type, Code int
	// MTU is the next-hop MTU of an IPv4 Fragmentation Needed or the MTU
	// of an ICMPv6 Packet Too Big; 0 otherwise.
	MTU int
	// ID and Seq are the echo id and sequence of an echo reply.
	ID, Seq int
	// Quote is the original datagram an error carries (IP header first),
	// without the RFC 4884 extension structure.
	Quote []byte
	// Extensions are the RFC 4884 extension objects, if any.
	Extensions *Extensions
}

// EchoReply reports whether m is an echo reply rather than an error.
func (m *Message) EchoReply() bool {
	if m.IPv6 {
		return m.Type == icmp6EchoReply
	}
	return m.Type == icmp4EchoReply
}

// TimeExceeded reports whether m is a Time Exceeded in transit.
func (m *Message) TimeExceeded() bool {
	if m.IPv6 {
		return m.Type == icmp6TimeExceeded && m.Code == 0
	}
	return m.Type == icmp4TimeExceeded && m.Code == 0
}

// Unreachable reports whether m is a Destination Unreachable (or, for
// IPv6, a Packet Too Big, which traceroute shows the same way: !F).
func (m *Message) Unreachable() bool {
	if m.IPv6 {
		return m.Type == icmp6Unreachable || m.Type == icmp6PacketTooBig
	}
	return m.Type == icmp4Unreachable
}

// ParseMessage decodes b, an ICMP (v6 false) or ICMPv6 message without IP
// header, as read from an ICMP socket. It does not verify the checksum:
// the kernel already has for ICMPv6, and routers that rewrite quotes
// routinely get it wrong for ICMP.
func ParseMessage(v6 bool, b []byte) (Message, error) {
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
		return m, nil
	case !v6 && (m.Type == icmp4Unreachable || m.Type == icmp4TimeExceeded || m.Type == icmp4ParamProblem):
		lenField, unit = int(b[5]), 4
		if m.Type == icmp4Unreachable && m.Code == 4 {
			m.MTU = int(binary.BigEndian.Uint16(b[6:]))
		}
	case v6 && (m.Type == icmp6Unreachable || m.Type == icmp6TimeExceeded):
		lenField, unit = int(b[4]), 8
	case v6 && m.Type == icmp6PacketTooBig:
		m.MTU = int(binary.BigEndian.Uint32(b[4:]))
	case v6 && m.Type == icmp6ParamProblem:
	default:
		return m, fmt.Errorf("%w: type %d code %d", ErrNotError, m.Type, m.Code)
	}
	data := b[8:]
	m.Quote = data
	if lenField > 0 {
		n := lenField * unit
		if n > len(data) {
			return m, fmt.Errorf("%w: rfc 4884 length %d bytes, %d present", ErrTruncated, n, len(data))
		}
		m.Quote = data[:n]
		if n < len(data) {
			ext, err := ParseExtensions(data[n:])
			if err != nil {
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
		if ext, err := ParseExtensions(data[128:]); err == nil && ext.checksumOK {
			m.Quote = data[:128]
			m.Extensions = ext
		}
	}
	return m, nil
}

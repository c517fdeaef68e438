package trace

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/net/icmp"
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
//
// golang.org/x/net/icmp parses the message. What x/net leaves out is read
// here: the next-hop MTU of an IPv4 Fragmentation Needed, and where the
// quote ends. x/net takes RFC 4884 lengths under 128 bytes as 128, looks
// at byte 128 when the length does not lead to a valid structure, accepts
// a structure without checksum after a zero length, and makes a malformed
// structure part of the quote; trace keeps the quote at the length the
// router announced and reports the malformed structure (with Quote set).
// x/net's Data and Extensions are used when its boundary is trace's.
func ParseMessage(v6 bool, b []byte) (Message, error) {
	if len(b) < 8 {
		return Message{}, fmt.Errorf("%w: icmp message of %d bytes", ErrTruncated, len(b))
	}
	m := Message{IPv6: v6, Type: int(b[0]), Code: int(b[1])}
	notError := func() error { return fmt.Errorf("%w: type %d code %d", ErrNotError, m.Type, m.Code) }
	proto := protoICMP
	if v6 {
		proto = protoICMPv6
	}
	x, err := icmp.ParseMessage(proto, b)
	if err != nil {
		// x/net parses every type trace reads from 8 bytes on; it fails
		// only on others (extended echo).
		return m, fmt.Errorf("%w: %v", notError(), err)
	}
	var (
		data []byte // x/net's original datagram
		xs   []icmp.Extension
	)
	switch body := x.Body.(type) {
	case *icmp.Echo:
		if !m.EchoReply() {
			return m, notError()
		}
		m.ID, m.Seq = body.ID, body.Seq
		return m, nil
	case *icmp.DstUnreach:
		data, xs = body.Data, body.Extensions
		if !v6 && m.Code == 4 {
			m.MTU = int(binary.BigEndian.Uint16(b[6:]))
		}
	case *icmp.TimeExceeded:
		data, xs = body.Data, body.Extensions
	case *icmp.PacketTooBig:
		m.MTU, data = body.MTU, body.Data
	case *icmp.ParamProb:
		data, xs = body.Data, body.Extensions
	default:
		return m, notError()
	}
	// The RFC 4884 length of the original datagram, in 32-bit (ICMP) or
	// 64-bit (ICMPv6) words; ICMPv6 Packet Too Big and Parameter Problem
	// have none.
	n := 0
	switch {
	case !v6:
		n = int(b[5]) * 4
	case m.Type == icmp6Unreachable || m.Type == icmp6TimeExceeded:
		n = int(b[4]) * 8
	}
	return m, m.split(b[8:], n, data, xs)
}

// split sets m's Quote and Extensions from raw, the body after the 8-byte
// header, n the RFC 4884 length in bytes (0: none), and data and xs what
// x/net made of raw.
func (m *Message) split(raw []byte, n int, data []byte, xs []icmp.Extension) error {
	// prefix is raw[:k], as x/net's copy when x/net cut raw there too.
	prefix := func(k int) []byte {
		if len(data) == k && k > 0 {
			return data
		}
		return raw[:k]
	}
	// ours is xs when x/net found the structure where trace does.
	ours := func(k int) []icmp.Extension {
		if len(data) != k {
			return nil
		}
		return xs
	}
	m.Quote = prefix(len(raw))
	if n > 0 {
		if n > len(raw) {
			return fmt.Errorf("%w: rfc 4884 length %d bytes, %d present", ErrTruncated, n, len(raw))
		}
		m.Quote = prefix(n)
		if n < len(raw) {
			ext, err := parseExtensions(raw[n:], ours(n))
			if err != nil {
				return err
			}
			m.Extensions = ext
		}
		return nil
	}
	// Routers that predate RFC 4884 put the extensions after a 128-byte
	// original datagram and leave the length zero (RFC 4884 section 5.5).
	// x/net accepts these too, but also without a checksum, which plain
	// payload can pass for: accept them only when the structure's version
	// and checksum check.
	if len(raw) > 128+4 && (m.TimeExceeded() || m.Unreachable()) {
		if ext, err := parseExtensions(raw[128:], ours(128)); err == nil && ext.checksumOK {
			m.Quote = prefix(128)
			m.Extensions = ext
		}
	}
	return nil
}

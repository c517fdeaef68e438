package icmpmsg

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/net/icmp"
)

// ICMP and ICMPv6 message types the engines send or read.
const (
	TypeEchoReply    = 0
	TypeUnreachable  = 3
	TypeSourceQuench = 4 // deprecated (RFC 6633); ping still reports it
	TypeEcho         = 8
	TypeTimeExceeded = 11
	TypeParamProblem = 12

	Type6Unreachable  = 1
	Type6PacketTooBig = 2
	Type6TimeExceeded = 3
	Type6ParamProblem = 4
	Type6Echo         = 128
	Type6EchoReply    = 129
)

// IANA protocol numbers of quoted packets (Quote.Proto).
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
)

// EchoType is the echo request type of ICMP (v6 false) or ICMPv6.
func EchoType(v6 bool) int {
	if v6 {
		return Type6Echo
	}
	return TypeEcho
}

// proto is the IANA number of ICMP or ICMPv6, as icmp.ParseMessage takes it.
func proto(v6 bool) int {
	if v6 {
		return ProtoICMPv6
	}
	return ProtoICMP
}

// ErrTruncated is returned (wrapped) for a message or quote too short to
// carry what its header announces.
var ErrTruncated = errors.New("icmpmsg: truncated packet")

// ErrNotError is returned by ParseMessage for an ICMP message that is
// neither an error quoting a packet nor an echo reply.
var ErrNotError = errors.New("icmpmsg: not an icmp error or echo reply")

// ErrBadQuote is returned (wrapped) for a quoted datagram that is not an IP
// packet.
var ErrBadQuote = errors.New("icmpmsg: bad quoted packet")

// Message is a decoded ICMP or ICMPv6 message that matters to a prober: an
// error quoting one of its probes, or an echo reply.
type Message struct {
	IPv6       bool
	Type, Code int
	// MTU is the next-hop MTU of an IPv4 Fragmentation Needed or the MTU
	// of an ICMPv6 Packet Too Big; 0 otherwise.
	MTU int
	// ID and Seq are the echo id and sequence of an echo reply, Data its
	// payload.
	ID, Seq int
	Data    []byte
	// Quote is the original datagram an error carries (IP header first),
	// without the RFC 4884 extension structure.
	Quote []byte
	// Extensions are the RFC 4884 extension objects, if any.
	Extensions *Extensions
}

// EchoReply reports whether m is an echo reply rather than an error.
func (m *Message) EchoReply() bool {
	if m.IPv6 {
		return m.Type == Type6EchoReply
	}
	return m.Type == TypeEchoReply
}

// TimeExceeded reports whether m is a Time Exceeded in transit (code 0):
// the hop that sent it is where the probe's TTL ran out.
func (m *Message) TimeExceeded() bool { return m.Meaning() == TTLExceeded }

// Reassembly reports whether m is a Time Exceeded, fragment reassembly
// time exceeded (code 1, RFC 792 and RFC 4443): the destination gave up
// putting a fragmented packet together. It is not a hop's answer to a
// probe.
func (m *Message) Reassembly() bool { return m.Meaning() == ReassemblyTimeExceeded }

// Unreachable reports whether m is a Destination Unreachable (or, for
// IPv6, a Packet Too Big, which traceroute shows the same way: !F).
func (m *Message) Unreachable() bool { return m.Meaning().Unreachable() }

// PortUnreachable reports whether m is a port unreachable.
func (m *Message) PortUnreachable() bool { return m.Meaning() == PortUnreachable }

// SourceQuench reports whether m is an ICMPv4 Source Quench.
func (m *Message) SourceQuench() bool { return m.Meaning() == SourceQuench }

// ParseMessage decodes b, an ICMP (v6 false) or ICMPv6 message without IP
// header, as read from an ICMP socket. It does not verify the checksum:
// the kernel already has for ICMPv6, and routers that rewrite quotes
// routinely get it wrong for ICMP (Match checks it where it must hold: in
// echo replies).
//
// golang.org/x/net/icmp parses the message. What x/net leaves out is read
// here: the next-hop MTU of an IPv4 Fragmentation Needed, Source Quench's
// quote, and where the quote ends. x/net takes RFC 4884 lengths under 128
// bytes as 128, looks at byte 128 when the length does not lead to a valid
// structure, accepts a structure without checksum after a zero length, and
// makes a malformed structure part of the quote; icmpmsg keeps the quote at
// the length the router announced, reads a structure at byte 128 only when
// its version and checksum check, and reports a malformed structure (with
// Quote set). x/net's Data and Extensions are used when its boundary is
// icmpmsg's.
func ParseMessage(v6 bool, b []byte) (Message, error) {
	if len(b) < 8 {
		return Message{}, fmt.Errorf("%w: icmp message of %d bytes", ErrTruncated, len(b))
	}
	m := Message{IPv6: v6, Type: int(b[0]), Code: int(b[1])}
	notError := func() error { return fmt.Errorf("%w: type %d code %d", ErrNotError, m.Type, m.Code) }
	x, err := icmp.ParseMessage(proto(v6), b)
	if err != nil {
		// x/net parses every type read here from 8 bytes on; it fails
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
		m.ID, m.Seq, m.Data = body.ID, body.Seq, body.Data
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
	case *icmp.RawBody:
		// x/net has no body type for Source Quench: after the unused
		// word comes the quote, with no length field (RFC 792).
		if !m.SourceQuench() {
			return m, notError()
		}
		m.Quote = b[8:]
		return m, nil
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
	case m.Type == Type6Unreachable || m.Type == Type6TimeExceeded:
		n = int(b[4]) * 8
	}
	return m, m.split(b[8:], n, data, xs)
}

// compatAt is where routers put the extension structure when the length
// field does not say (RFC 4884 section 5.5) or says it wrong: after a
// 128-byte original datagram.
const compatAt = 128

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
	// ours is xs when x/net found the structure where icmpmsg does.
	ours := func(k int) []icmp.Extension {
		if len(data) != k {
			return nil
		}
		return xs
	}
	m.Quote = prefix(len(raw))
	if n > 0 {
		// The length field announces a structure after n bytes.
		if n > len(raw) {
			// It points past the end (trippy issue 1561: 128, as if
			// counted in bytes): a structure at 128 is the one meant.
			if m.compat(raw, ours(compatAt), true) {
				m.Quote = prefix(compatAt)
				return nil
			}
			return fmt.Errorf("%w: rfc 4884 length %d bytes, %d present", ErrTruncated, n, len(raw))
		}
		m.Quote = prefix(n)
		if n == len(raw) {
			return nil
		}
		ext, err := parseExtensions(raw[n:], ours(n))
		if err == nil {
			m.Extensions = ext
			return nil
		}
		// RFC 4884 pads the original datagram to 128 bytes when a
		// structure follows, and counts the padding in the length. Some
		// routers pad and put the structure at 128 but count only the
		// datagram (trippy issue 804; tcpdump, scapy and x/net read their
		// labels): what follows a shorter length is then padding, and the
		// structure is at 128.
		if n < compatAt && m.compat(raw, ours(compatAt), true) {
			return nil
		}
		return err
	}
	// Routers that predate RFC 4884 put the extensions after a 128-byte
	// original datagram and leave the length zero (RFC 4884 section 5.5).
	if m.compat(raw, ours(compatAt), false) {
		m.Quote = prefix(compatAt)
	}
	return nil
}

// compat reads an extension structure at byte 128 of raw when one is there
// and sets m.Extensions. x/net accepts such structures also without a
// checksum, which plain payload or padding can pass for: unless the length
// field announced a structure, one counts only when its version and
// checksum check. After an announcement a structure whose checksum field
// is zero (none computed) counts too; tcpdump reads those as well.
func (m *Message) compat(raw []byte, xs []icmp.Extension, announced bool) bool {
	if len(raw) <= compatAt+4 || !(m.TimeExceeded() || m.Unreachable()) {
		return false
	}
	ext, err := parseExtensions(raw[compatAt:], xs)
	if err != nil || !(ext.checksumOK || announced && ext.unsummed) {
		return false
	}
	m.Extensions = ext
	return true
}

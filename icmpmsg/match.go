package icmpmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Kind says what a received message is to a run.
type Kind int

// Verdict kinds.
const (
	// Foreign: not ours (another program's echo, an error about someone
	// else's packet). Ignored, not counted.
	Foreign Kind = iota
	// Reply: an echo reply that carries our token and payload intact.
	// Whether it answers a probe out, is on time, late or a duplicate,
	// and came from the probe's destination, is for the engine to say.
	Reply
	// Invalid: addressed to us (our id, or on a datagram socket that only
	// gets our replies) but failing a check; Cause says which.
	Invalid
	// Error: an ICMP error quoting one of our echo requests.
	Error
)

func (k Kind) String() string {
	return [...]string{"foreign", "reply", "invalid", "error"}[k]
}

// Expect is what a run's echo replies, and the echo requests its errors
// quote, must carry.
type Expect struct {
	V6 bool
	// ID is the echo id replies must carry on a raw socket. On a datagram
	// socket (Datagram true) the kernel already matched it, and sends and
	// verifies the ICMP checksum itself.
	ID       int
	Datagram bool
	Token    Token
	// Size is the payload length sent (at least MinPayload); 0 when the
	// probes differ in size and the engine checks Verdict.Len per probe.
	Size int
}

// Verdict is the outcome of matching one message.
type Verdict struct {
	Kind   Kind
	Cause  Cause  // why a message is Invalid
	Reason string // why a message is Invalid or Foreign, in words
	Seq    int    // echo sequence (Reply, Invalid, Error)
	ID     int    // echo id as received or quoted
	// Index is the payload's index word (Reply, Error when quoted), -1
	// when the message does not carry it.
	Index int
	// SentNS is the send time from the payload (Reply; Error when
	// quoted), 0 when absent.
	SentNS int64
	// Len is the payload length of an echo reply.
	Len int
	// ErrType, ErrCode and MTU are the ICMP error's (Error).
	ErrType, ErrCode, MTU int
	// Unverified marks an Error whose quote stops before the token: a
	// claim about the probe with that id and sequence, not proof.
	Unverified bool
	// Dst is the destination of the quoted echo request (Error read from
	// a socket; a queued error's is the socket's business).
	Dst netip.Addr
}

// Match decides what data, an ICMP message as a socket hands it over (no IP
// header), is to the run described by e. It is pure: bytes in, verdict
// out. Messages are parsed by ParseMessage (x/net underneath); Match adds
// what x/net leaves out: the ICMPv4 checksum and the payload checks.
func Match(e Expect, data []byte) Verdict {
	if len(data) < 8 {
		return foreign("short message")
	}
	m, err := ParseMessage(e.V6, data)
	if err == nil && m.EchoReply() {
		return MatchReply(e, &m, data)
	}
	if m.Quote == nil {
		if errors.Is(err, ErrNotError) {
			return foreign("ICMP " + typeName(icmpType(e.V6, m.Type), m.Type))
		}
		return foreign(fmt.Sprintf("unparsable ICMP message: %v", err))
	}
	// A malformed extension structure (err) does not make the quote
	// less ours.
	q, err := ParseQuote(m.Quote)
	if err != nil || q.Proto != proto(e.V6) || q.IPv6 != e.V6 {
		return foreign("error quoting no ICMP echo")
	}
	v := MatchQuotedEcho(e, q.Transport)
	if v.Kind == Error {
		v.ErrType, v.ErrCode, v.MTU, v.Dst = m.Type, m.Code, m.MTU, q.Dst
	}
	return v
}

// MatchQueued decides what an ICMP error from a socket's error queue
// (IP_RECVERR) is to the run: the kernel hands over the message we sent
// (sent, from its ICMP header on) and the error's type, code and info
// (the MTU of Fragmentation Needed and Packet Too Big).
func MatchQueued(e Expect, sent []byte, typ, code int, info uint32) Verdict {
	v := MatchQuotedEcho(e, sent)
	if v.Kind == Error {
		v.ErrType, v.ErrCode = typ, code
		if (!e.V6 && typ == TypeUnreachable && code == 4) || (e.V6 && typ == Type6PacketTooBig) {
			v.MTU = int(info)
		}
	}
	return v
}

func icmpType(v6 bool, t int) icmp.Type {
	if v6 {
		return ipv6.ICMPType(t)
	}
	return ipv4.ICMPType(t)
}

func foreign(reason string) Verdict {
	return Verdict{Kind: Foreign, Index: -1, Reason: reason}
}

func invalid(v Verdict, c Cause, reason string) Verdict {
	v.Kind, v.Cause, v.Reason = Invalid, c, reason
	return v
}

// MatchReply checks an echo reply already parsed (m, by ParseMessage; data
// its bytes) against e, as Match does.
func MatchReply(e Expect, m *Message, data []byte) Verdict {
	v := Verdict{Kind: Invalid, Index: -1, Seq: m.Seq, ID: m.ID, Len: len(m.Data)}
	if !e.Datagram && m.ID != e.ID {
		v.Kind, v.Reason = Foreign, "another echo id"
		return v
	}
	if !e.V6 && !e.Datagram && Checksum(data) != 0 {
		return invalid(v, BadChecksum, "bad checksum")
	}
	p := m.Data
	if e.Size > 0 && len(p) != max(e.Size, MinPayload) {
		return invalid(v, WrongSize, fmt.Sprintf("payload of %d bytes, sent %d", len(p), max(e.Size, MinPayload)))
	}
	if len(p) < MinPayload {
		return invalid(v, WrongSize, fmt.Sprintf("payload of %d bytes, sent at least %d", len(p), MinPayload))
	}
	if Token(p[:TokenLen]) != e.Token {
		return invalid(v, WrongToken, "wrong token")
	}
	v.Index = int(binary.BigEndian.Uint16(p[IndexAt:]))
	for i := MinPayload; i < len(p); i++ {
		if p[i] != byte(i) {
			return invalid(v, WrongData, fmt.Sprintf("wrong data byte #%d", i))
		}
	}
	v.Kind, v.Reason = Reply, ""
	v.SentNS = int64(binary.BigEndian.Uint64(p[8:]))
	return v
}

// MatchQuotedEcho matches t, an echo request as an ICMP error quotes it
// (from its ICMP header on), against the run's: an Error verdict when it is
// one of ours, else Foreign.
//
// Whenever the quote is long enough to hold the token, the token decides:
// ours, whatever the echo id says (a NAT may have rewritten it), or not
// ours. Linux quotes as much of the probe as fits in 576 bytes (IPv4) or
// 1280 (ICMPv6), well past the token; so does any router that follows RFC
// 1812 or RFC 4443. RFC 792 only asks for the IP header and 8 bytes of the
// datagram, and some routers quote no more: such a quote cannot hold the
// token, so it may still match, on the echo id and sequence alone — and
// anyone on the path who saw the request can write it. It is returned
// Unverified: the engines count it against the probe only when no valid
// answer to that probe shows it false.
func MatchQuotedEcho(e Expect, t []byte) Verdict {
	if len(t) < 8 || int(t[0]) != EchoType(e.V6) || t[1] != 0 {
		return foreign("quotes no echo request")
	}
	v := Verdict{Kind: Error, Index: -1,
		ID: int(binary.BigEndian.Uint16(t[4:])), Seq: int(binary.BigEndian.Uint16(t[6:]))}
	if p := t[8:]; len(p) >= TokenLen {
		if Token(p[:TokenLen]) != e.Token {
			v.Kind, v.Reason = Foreign, "quoted token is not ours"
			return v
		}
		if len(p) >= MinPayload {
			v.Index = int(binary.BigEndian.Uint16(p[IndexAt:]))
			v.SentNS = int64(binary.BigEndian.Uint64(p[8:]))
		}
		return v
	}
	if !e.Datagram && v.ID != e.ID {
		v.Kind, v.Reason = Foreign, "another echo id"
		return v
	}
	v.Unverified = true
	return v
}

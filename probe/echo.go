package probe

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// The echo payload netdx sends, after the 8-byte ICMP echo header:
//
//	[0:6]   the run's random token
//	[6:8]   the target's index in the run
//	[8:16]  the send time, Unix nanoseconds, big endian
//	[16:]   fill: byte i of the payload is byte(i)
//
// A reply must give back all of it unchanged to count.
const (
	tokenLen = 6
	// MinPayload is the smallest payload (-s) that carries the token,
	// target index and send time.
	MinPayload = 16
	// DefaultPayload is the payload size of iputils ping and fping.
	DefaultPayload = 56
	// MaxTargets is how many targets one run can address.
	MaxTargets = 1 << 16
)

// Token is a run's random payload marker.
type Token [tokenLen]byte

// Echo is one echo request to marshal.
type Echo struct {
	V6     bool
	ID     int
	Seq    int
	Token  Token
	Target int   // index in the run
	SentNS int64 // send time written into the payload
	Size   int   // payload bytes, at least MinPayload
}

// Marshal returns the ICMP echo request, with the ICMPv4 checksum filled
// (the kernel fills ICMPv6's).
func (e Echo) Marshal() []byte {
	size := max(e.Size, MinPayload)
	b := make([]byte, 8+size)
	b[0] = 8
	if e.V6 {
		b[0] = 128
	}
	binary.BigEndian.PutUint16(b[4:], uint16(e.ID))
	binary.BigEndian.PutUint16(b[6:], uint16(e.Seq))
	p := b[8:]
	copy(p, e.Token[:])
	binary.BigEndian.PutUint16(p[6:], uint16(e.Target))
	binary.BigEndian.PutUint64(p[8:], uint64(e.SentNS))
	for i := MinPayload; i < len(p); i++ {
		p[i] = byte(i)
	}
	if !e.V6 {
		binary.BigEndian.PutUint16(b[2:], checksum(b))
	}
	return b
}

// checksum is the Internet checksum of b (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// Kind says what a received message is to a run.
type Kind int

// Verdict kinds.
const (
	// Foreign: not ours (another program's echo, an error about someone
	// else's packet). Ignored, not counted.
	Foreign Kind = iota
	// Reply: an echo reply that carries our token, target and send time
	// intact. Whether it is on time, late or a duplicate is for the
	// target's state to say.
	Reply
	// Invalid: addressed to us (our id, or on a datagram socket that
	// only gets our replies) but failing validation.
	Invalid
	// Error: an ICMP error quoting one of our probes.
	Error
)

func (k Kind) String() string {
	return [...]string{"foreign", "reply", "invalid", "error"}[k]
}

// Expect is what a run's replies must carry.
type Expect struct {
	V6 bool
	// ID is the echo id replies must carry on a raw socket. On a datagram
	// socket (Datagram true) the kernel already matched it.
	ID       int
	Datagram bool
	Token    Token
	Size     int // payload bytes sent
}

// Verdict is the outcome of matching one message.
type Verdict struct {
	Kind   Kind
	Target int // index in the run (Reply, Error; Invalid when known, else -1)
	Seq    int
	SentNS int64 // send time from the payload (Reply; Error when quoted)
	// ErrType and ErrCode are the ICMP error's (Error).
	ErrType, ErrCode int
	Reason           string // why a message is Invalid or Foreign
}

// Match decides what the ICMP message data (as a Conn's Packet.Data, or
// the quoted message of a queued error when queued is non-nil) is to the
// run described by e. It is pure: bytes in, verdict out.
func Match(e Expect, data []byte, queued *QueuedError) Verdict {
	if queued != nil {
		v := matchQuoted(e, data, true)
		if v.Kind == Error {
			v.ErrType, v.ErrCode = queued.Type, queued.Code
		}
		return v
	}
	if len(data) < 8 {
		return Verdict{Kind: Foreign, Target: -1, Reason: "short message"}
	}
	typ, code := int(data[0]), int(data[1])
	echoReply, isErr := 0, typ == 3 || typ == 4 || typ == 11 || typ == 12
	if e.V6 {
		echoReply, isErr = 129, typ >= 1 && typ <= 4
	}
	if isErr {
		inner, ok := quotedICMP(e.V6, data[8:])
		if !ok {
			return Verdict{Kind: Foreign, Target: -1, Reason: "error quoting no ICMP echo"}
		}
		v := matchQuoted(e, inner, false)
		if v.Kind == Error {
			v.ErrType, v.ErrCode = typ, code
		}
		return v
	}
	if typ != echoReply {
		return Verdict{Kind: Foreign, Target: -1, Reason: fmt.Sprintf("ICMP type %d", typ)}
	}
	id, seq := int(binary.BigEndian.Uint16(data[4:])), int(binary.BigEndian.Uint16(data[6:]))
	if !e.Datagram && id != e.ID {
		return Verdict{Kind: Foreign, Target: -1, Seq: seq, Reason: "another echo id"}
	}
	v := Verdict{Kind: Invalid, Target: -1, Seq: seq}
	if !e.V6 && !e.Datagram && checksum(data) != 0 {
		v.Reason = "bad checksum"
		return v
	}
	p := data[8:]
	if len(p) != max(e.Size, MinPayload) {
		v.Reason = fmt.Sprintf("payload of %d bytes, sent %d", len(p), max(e.Size, MinPayload))
		return v
	}
	if [tokenLen]byte(p[:tokenLen]) != e.Token {
		v.Reason = "wrong token"
		return v
	}
	v.Target = int(binary.BigEndian.Uint16(p[6:]))
	for i := MinPayload; i < len(p); i++ {
		if p[i] != byte(i) {
			v.Reason = fmt.Sprintf("wrong data byte #%d", i)
			return v
		}
	}
	v.Kind = Reply
	v.SentNS = int64(binary.BigEndian.Uint64(p[8:]))
	return v
}

// matchQuoted matches an echo request of ours quoted by an ICMP error. The
// error may quote only the first 8 bytes; the token is checked when there.
func matchQuoted(e Expect, q []byte, datagram bool) Verdict {
	req := 8
	if e.V6 {
		req = 128
	}
	if len(q) < 8 || int(q[0]) != req {
		return Verdict{Kind: Foreign, Target: -1, Reason: "quotes no echo request"}
	}
	id, seq := int(binary.BigEndian.Uint16(q[4:])), int(binary.BigEndian.Uint16(q[6:]))
	if !datagram && !e.Datagram && id != e.ID {
		return Verdict{Kind: Foreign, Target: -1, Seq: seq, Reason: "another echo id"}
	}
	v := Verdict{Kind: Error, Target: -1, Seq: seq}
	p := q[8:]
	if len(p) >= MinPayload {
		if [tokenLen]byte(p[:tokenLen]) != e.Token {
			return Verdict{Kind: Foreign, Target: -1, Seq: seq, Reason: "quoted token is not ours"}
		}
		v.Target = int(binary.BigEndian.Uint16(p[6:]))
		v.SentNS = int64(binary.BigEndian.Uint64(p[8:]))
	}
	return v
}

// quotedICMP returns the ICMP message inside the IP packet an ICMP error
// quotes, or false when it is not ICMP.
func quotedICMP(v6 bool, b []byte) ([]byte, bool) {
	if v6 {
		// The fixed header only: a probe of ours carries no extension
		// headers.
		if len(b) < 40 || b[0]>>4 != 6 || b[6] != 58 {
			return nil, false
		}
		return b[40:], true
	}
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != 1 {
		return nil, false
	}
	hl := int(b[0]&0x0f) * 4
	if hl < 20 || hl > len(b) {
		return nil, false
	}
	return b[hl:], true
}

// QuotedDst returns the destination of the packet an ICMP error quotes
// (Data of a raw socket's error), for checking it against the target.
func QuotedDst(v6 bool, data []byte) (netip.Addr, bool) {
	if len(data) < 8 {
		return netip.Addr{}, false
	}
	b := data[8:]
	if v6 {
		if len(b) < 40 {
			return netip.Addr{}, false
		}
		return netip.AddrFrom16([16]byte(b[24:40])), true
	}
	if len(b) < 20 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(b[16:20])), true
}

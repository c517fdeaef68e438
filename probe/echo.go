package probe

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
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

// Marshal returns the ICMP echo request, built by x/net's icmp.Message,
// with the ICMPv4 checksum filled (the kernel fills ICMPv6's).
func (e Echo) Marshal() []byte {
	p := make([]byte, max(e.Size, MinPayload))
	copy(p, e.Token[:])
	binary.BigEndian.PutUint16(p[6:], uint16(e.Target))
	binary.BigEndian.PutUint64(p[8:], uint64(e.SentNS))
	for i := MinPayload; i < len(p); i++ {
		p[i] = byte(i)
	}
	m := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: e.ID, Seq: e.Seq, Data: p}}
	if e.V6 {
		m.Type = ipv6.ICMPTypeEchoRequest
	}
	b, err := m.Marshal(nil)
	if err != nil {
		// icmp fails only for a type of neither ICMP version.
		panic(fmt.Sprintf("probe: marshal echo request: %v", err))
	}
	return b
}

// checksum is the Internet checksum of b (RFC 1071). x/net computes it
// when marshalling but does not check it when parsing: Match does.
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

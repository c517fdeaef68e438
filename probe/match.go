package probe

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// IANA protocol numbers, as icmp.ParseMessage takes them.
const (
	protoICMP   = 1
	protoICMPv6 = 58
)

// icmpTypeSourceQuench is deprecated (RFC 6633) and has no x/net name.
const icmpTypeSourceQuench = ipv4.ICMPType(4)

func icmpProto(v6 bool) int {
	if v6 {
		return protoICMPv6
	}
	return protoICMP
}

// Match decides what the ICMP message data (as a Conn's Packet.Data, or
// the quoted message of a queued error when queued is non-nil) is to the
// run described by e. It is pure: bytes in, verdict out. Messages are
// parsed by x/net's icmp.ParseMessage; Match adds what x/net leaves out:
// the ICMPv4 checksum and netdx's payload checks.
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
	m, err := icmp.ParseMessage(icmpProto(e.V6), data)
	if err != nil {
		return Verdict{Kind: Foreign, Target: -1, Reason: fmt.Sprintf("unparsable ICMP message: %v", err)}
	}
	if echo, ok := m.Body.(*icmp.Echo); ok && m.Type == echoReply(e.V6) {
		return matchReply(e, data, echo)
	}
	if q, ok := quotedData(m); ok {
		inner, ok := quotedICMP(e.V6, q)
		if !ok {
			return Verdict{Kind: Foreign, Target: -1, Reason: "error quoting no ICMP echo"}
		}
		v := matchQuoted(e, inner, false)
		if v.Kind == Error {
			v.ErrType, v.ErrCode = int(data[0]), m.Code
		}
		return v
	}
	return Verdict{Kind: Foreign, Target: -1, Reason: "ICMP " + typeName(m.Type, int(data[0]))}
}

func echoReply(v6 bool) icmp.Type {
	if v6 {
		return ipv6.ICMPTypeEchoReply
	}
	return ipv4.ICMPTypeEchoReply
}

func echoRequest(v6 bool) icmp.Type {
	if v6 {
		return ipv6.ICMPTypeEchoRequest
	}
	return ipv4.ICMPTypeEcho
}

// typeName is x/net's name of an ICMP type, with its number.
func typeName(t icmp.Type, n int) string {
	if s, ok := t.(fmt.Stringer); ok && s.String() != "<nil>" {
		return fmt.Sprintf("%s (type %d)", s, n)
	}
	return fmt.Sprintf("type %d", n)
}

// matchReply checks an echo reply (data, parsed as echo) against e.
func matchReply(e Expect, data []byte, echo *icmp.Echo) Verdict {
	if !e.Datagram && echo.ID != e.ID {
		return Verdict{Kind: Foreign, Target: -1, Seq: echo.Seq, Reason: "another echo id"}
	}
	v := Verdict{Kind: Invalid, Target: -1, Seq: echo.Seq}
	if !e.V6 && !e.Datagram && checksum(data) != 0 {
		v.Reason = "bad checksum"
		return v
	}
	p := echo.Data
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

// quotedData returns the original datagram an ICMP error quotes, or false
// when m is not an error ping or trace handles: destination unreachable,
// time exceeded, parameter problem, packet too big (ICMPv6) and source
// quench (ICMPv4, which x/net leaves as a raw body).
func quotedData(m *icmp.Message) ([]byte, bool) {
	switch b := m.Body.(type) {
	case *icmp.DstUnreach:
		return b.Data, true
	case *icmp.TimeExceeded:
		return b.Data, true
	case *icmp.ParamProb:
		return b.Data, true
	case *icmp.PacketTooBig:
		return b.Data, true
	case *icmp.RawBody:
		if m.Type == icmpTypeSourceQuench && len(b.Data) >= 4 {
			return b.Data[4:], true // after the unused word
		}
	}
	return nil, false
}

// matchQuoted matches an echo request of ours quoted by an ICMP error. The
// error may quote only the first 8 bytes; the token is checked when there.
func matchQuoted(e Expect, q []byte, datagram bool) Verdict {
	if len(q) < 8 {
		return Verdict{Kind: Foreign, Target: -1, Reason: "quotes no echo request"}
	}
	m, err := icmp.ParseMessage(icmpProto(e.V6), q)
	if err != nil || m.Type != echoRequest(e.V6) {
		return Verdict{Kind: Foreign, Target: -1, Reason: "quotes no echo request"}
	}
	echo, ok := m.Body.(*icmp.Echo)
	if !ok {
		return Verdict{Kind: Foreign, Target: -1, Reason: "quotes no echo request"}
	}
	if !datagram && !e.Datagram && echo.ID != e.ID {
		return Verdict{Kind: Foreign, Target: -1, Seq: echo.Seq, Reason: "another echo id"}
	}
	v := Verdict{Kind: Error, Target: -1, Seq: echo.Seq}
	if p := echo.Data; len(p) >= MinPayload {
		if [tokenLen]byte(p[:tokenLen]) != e.Token {
			return Verdict{Kind: Foreign, Target: -1, Seq: echo.Seq, Reason: "quoted token is not ours"}
		}
		v.Target = int(binary.BigEndian.Uint16(p[6:]))
		v.SentNS = int64(binary.BigEndian.Uint64(p[8:]))
	}
	return v
}

// quotedICMP returns the ICMP message inside the IP packet an ICMP error
// quotes, or false when it is not ICMP. The header is parsed by x/net.
func quotedICMP(v6 bool, b []byte) ([]byte, bool) {
	if v6 {
		// The fixed header only: a probe of ours carries no extension
		// headers.
		h, err := ipv6.ParseHeader(b)
		if err != nil || h.Version != ipv6.Version || h.NextHeader != protoICMPv6 {
			return nil, false
		}
		return b[ipv6.HeaderLen:], true
	}
	var h ipv4.Header
	if err := h.Parse(b); err != nil || h.Version != ipv4.Version || h.Protocol != protoICMP {
		return nil, false
	}
	return b[h.Len:], true
}

// QuotedDst returns the destination of the packet an ICMP error quotes
// (Data of a raw socket's error), for checking it against the target.
func QuotedDst(v6 bool, data []byte) (netip.Addr, bool) {
	if len(data) < 8 {
		return netip.Addr{}, false
	}
	m, err := icmp.ParseMessage(icmpProto(v6), data)
	if err != nil {
		return netip.Addr{}, false
	}
	q, ok := quotedData(m)
	if !ok {
		return netip.Addr{}, false
	}
	var dst net.IP
	if v6 {
		h, err := ipv6.ParseHeader(q)
		if err != nil {
			return netip.Addr{}, false
		}
		dst = h.Dst
	} else {
		var h ipv4.Header
		if err := h.Parse(q); err != nil {
			return netip.Addr{}, false
		}
		dst = h.Dst.To4()
	}
	a, ok := netip.AddrFromSlice(dst)
	return a, ok
}

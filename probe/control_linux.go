package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// control is what the control messages of one read carry.
type control struct {
	ts       *time.Time   // SCM_TIMESTAMPNS / SCM_TIMESTAMP
	ttl      int          // IP_TTL / IPV6_HOPLIMIT, -1 if absent
	ee       *extendedErr // IP_RECVERR / IPV6_RECVERR
	offender netip.Addr   // SO_EE_OFFENDER
}

// extendedErr is struct sock_extended_err.
type extendedErr struct {
	Errno      uint32
	Origin     uint8 // SO_EE_ORIGIN_ICMP (2) or SO_EE_ORIGIN_ICMP6 (3) for ICMP errors
	Type, Code uint8
	Info       uint32
	Data       uint32
}

const extendedErrLen = 16

// parseControl decodes the control messages of a recvmsg: the TTL (hop
// limit) with x/net's ipv4 or ipv6 ControlMessage, the timestamp and the
// extended error, which x/net does not know, with x/sys. Unknown or
// malformed messages are skipped: they only cost the fields they carry.
func parseControl(v6 bool, oob []byte) control {
	c := control{ttl: -1}
	if v6 {
		var cm ipv6.ControlMessage
		if cm.Parse(oob) == nil && cm.HopLimit > 0 {
			c.ttl = cm.HopLimit
		}
	} else {
		var cm ipv4.ControlMessage
		if cm.Parse(oob) == nil && cm.TTL > 0 {
			c.ttl = cm.TTL
		}
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return c
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16:
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			t := time.Unix(sec, nsec)
			c.ts = &t
		case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMP && len(m.Data) >= 16 && c.ts == nil:
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:]))
			usec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			t := time.Unix(sec, usec*1000)
			c.ts = &t
		case (m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR) ||
			(m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_RECVERR):
			ee, off, err := parseExtendedErr(m.Data)
			if err == nil {
				c.ee, c.offender = &ee, off
			}
		}
	}
	return c
}

var errShortExtendedErr = errors.New("probe: short sock_extended_err")

// parseExtendedErr decodes a sock_extended_err and the offender's address
// that follows it.
func parseExtendedErr(b []byte) (extendedErr, netip.Addr, error) {
	if len(b) < extendedErrLen {
		return extendedErr{}, netip.Addr{}, fmt.Errorf("%w: %d bytes", errShortExtendedErr, len(b))
	}
	ee := extendedErr{
		Errno:  binary.NativeEndian.Uint32(b[0:]),
		Origin: b[4],
		Type:   b[5],
		Code:   b[6],
		Info:   binary.NativeEndian.Uint32(b[8:]),
		Data:   binary.NativeEndian.Uint32(b[12:]),
	}
	var off netip.Addr
	sa := b[extendedErrLen:]
	if len(sa) >= 2 {
		switch binary.NativeEndian.Uint16(sa) {
		case unix.AF_INET:
			if len(sa) >= 8 {
				off = netip.AddrFrom4([4]byte(sa[4:8]))
			}
		case unix.AF_INET6:
			if len(sa) >= 24 {
				off = netip.AddrFrom16([16]byte(sa[8:24]))
			}
		}
	}
	return ee, off, nil
}

// decodePacket turns what recvmsg returned on a raw or datagram, v4 or v6
// socket into a Packet; now is the fallback receive time.
func decodePacket(raw, v6 bool, m message, now time.Time) (Packet, error) {
	ctl := parseControl(v6, m.oob)
	p := Packet{Src: m.from, Data: m.data, At: now, TTL: ctl.ttl}
	if ctl.ts != nil {
		p.At, p.KernelTime = *ctl.ts, true
	}
	if m.queued {
		if ctl.ee == nil {
			return Packet{}, fmt.Errorf("%w: error queue entry without an extended error (%d bytes of control data)", ErrMalformed, len(m.oob))
		}
		p.Queued = &QueuedError{Type: int(ctl.ee.Type), Code: int(ctl.ee.Code), Info: ctl.ee.Info}
		p.To = m.from
		if ctl.offender.IsValid() {
			p.Src = ctl.offender
		}
		return p, nil
	}
	if raw && !v6 {
		data, ttl, err := stripIPv4(p.Data)
		if err != nil {
			return Packet{}, err
		}
		p.Data = data
		if p.TTL < 0 {
			p.TTL = ttl
		}
	}
	return p, nil
}

var errBadIPv4Header = fmt.Errorf("%w: bad IPv4 header", ErrMalformed)

// stripIPv4 returns the payload of an IPv4 packet read from a raw socket,
// parsed by x/net, and its TTL.
func stripIPv4(b []byte) ([]byte, int, error) {
	var h ipv4.Header
	if err := h.Parse(b); err != nil {
		return nil, -1, fmt.Errorf("%w: %d bytes: %v", errBadIPv4Header, len(b), err)
	}
	if h.Version != ipv4.Version {
		return nil, -1, fmt.Errorf("%w: version %d", errBadIPv4Header, h.Version)
	}
	return b[h.Len:], h.TTL, nil
}

package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

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

// parseControl decodes the control messages of a recvmsg. Unknown or
// malformed messages are skipped: they only cost the fields they carry.
func parseControl(oob []byte) control {
	c := control{ttl: -1}
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
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_TTL && len(m.Data) >= 4:
			c.ttl = int(int32(binary.NativeEndian.Uint32(m.Data)))
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT && len(m.Data) >= 4:
			c.ttl = int(int32(binary.NativeEndian.Uint32(m.Data)))
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

var errBadIPv4Header = fmt.Errorf("%w: bad IPv4 header", ErrMalformed)

// stripIPv4 returns the payload of an IPv4 packet read from a raw socket
// and its TTL.
func stripIPv4(b []byte) ([]byte, int, error) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return nil, -1, fmt.Errorf("%w: %d bytes", errBadIPv4Header, len(b))
	}
	hl := int(b[0]&0x0f) * 4
	if hl < 20 || hl > len(b) {
		return nil, -1, fmt.Errorf("%w: header length %d of %d bytes", errBadIPv4Header, hl, len(b))
	}
	return b[hl:], int(b[8]), nil
}

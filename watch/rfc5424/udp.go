package rfc5424

import (
	"bytes"
	"encoding/binary"
	"net"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// What UDP delivery can learn. A datagram gets no acknowledgment, but a
// receiver's host without a listener on the port answers it with an ICMP
// port unreachable. On the connected socket with IP_RECVERR the kernel
// queues each such error with what it quotes of the datagram (Linux quotes
// up to 576 bytes: the message's meta sequenceId with it), where a socket
// without it keeps only the last error and fails the next send once. The
// receiver's host rate-limits these errors (Linux: a burst of 6, then one
// a second per sender), so a message sent between two refused ones, less
// than presumeGap apart, is presumed refused too.
const (
	// presumeGap is how far apart two refused messages may have been sent
	// for those between them to be presumed refused: above the 1 s of
	// Linux's default ICMP rate limit.
	presumeGap = 2 * time.Second
	// refusalWait is how long after a send refusals are still read.
	refusalWait = time.Second
	// keepSent bounds the messages remembered for matching refusals.
	keepSent = 4096
)

// datagram is what a UDP link remembers of the messages it sent, to count
// those the receiver's host refused.
type datagram struct {
	raw    syscall.RawConn
	sent   []sentMsg // oldest first, at most keepSent
	last   int       // index in sent of the last refused message, -1 if none
	lastAt time.Time // its send time
	at     time.Time // of the last send
	buf    []byte    // for the error queue's reads
	oob    []byte
}

type sentMsg struct {
	seq     uint32
	at      time.Time
	refused bool
}

// refusals is what one read of the error queue found.
type refusals struct {
	refused, presumed int
	from              string // the host that refused the last one
}

// newDatagram sets IP_RECVERR (IPV6_RECVERR) on a connected UDP socket;
// nil when c is not one or the option cannot be set (send errors are then
// all that is counted).
func newDatagram(c net.Conn) *datagram {
	uc, ok := c.(*net.UDPConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	level, opt := unix.IPPROTO_IP, unix.IP_RECVERR
	if a, ok := uc.RemoteAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
		level, opt = unix.IPPROTO_IPV6, unix.IPV6_RECVERR
	}
	var serr error
	if err := raw.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, opt, 1) }); err != nil || serr != nil {
		return nil
	}
	return &datagram{raw: raw, last: -1, buf: make([]byte, 2048), oob: make([]byte, 512)}
}

// wrote remembers a message just written.
func (d *datagram) wrote(msg []byte, now time.Time) {
	seq, _ := sequenceID(msg)
	if len(d.sent) == keepSent {
		d.sent = d.sent[keepSent/2:]
		d.last = max(d.last-keepSent/2, -1)
	}
	d.sent = append(d.sent, sentMsg{seq: seq, at: now})
	d.at = now
}

// waiting reports whether refusals of what was sent may still come.
func (d *datagram) waiting(now time.Time) bool {
	return len(d.sent) > 0 && now.Sub(d.at) < refusalWait
}

// drain reads the error queue until it is empty and counts the refusals.
func (d *datagram) drain() refusals {
	var r refusals
	buf, oob := d.buf, d.oob
	for {
		var n, oobn int
		var rerr error
		err := d.raw.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			return true
		})
		if err != nil || rerr != nil {
			return r
		}
		from, ok := icmpRefusal(oob[:oobn])
		if !ok {
			continue
		}
		r.from = from
		r.refused++
		if seq, ok := sequenceID(buf[:n]); ok {
			r.presumed += d.refuse(seq)
		}
	}
}

// refuse marks the last message sent with seq refused, and the messages
// between it and the refused one before, if they were sent less than
// presumeGap apart; it returns how many were presumed.
func (d *datagram) refuse(seq uint32) int {
	i := len(d.sent) - 1
	for i >= 0 && d.sent[i].seq != seq {
		i--
	}
	if i < 0 {
		return 0
	}
	d.sent[i].refused = true
	n := 0
	if d.last >= 0 && d.last < i && d.sent[i].at.Sub(d.lastAt) < presumeGap {
		for k := d.last + 1; k < i; k++ {
			if !d.sent[k].refused {
				d.sent[k].refused = true
				n++
			}
		}
	}
	if i > d.last {
		d.last, d.lastAt = i, d.sent[i].at
	}
	return n
}

// icmpRefusal reads an error-queue entry's control messages: an ICMP or
// ICMPv6 error (the receiver's host refused the datagram, or a router
// could not deliver it), and the host that sent it.
func icmpRefusal(oob []byte) (from string, ok bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return "", false
	}
	const eeLen = int(unsafe.Sizeof(unix.SockExtendedErr{}))
	for _, m := range msgs {
		ip4 := m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR
		ip6 := m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_RECVERR
		if (!ip4 && !ip6) || len(m.Data) < eeLen {
			continue
		}
		ee := (*unix.SockExtendedErr)(unsafe.Pointer(&m.Data[0]))
		if ee.Origin != unix.SO_EE_ORIGIN_ICMP && ee.Origin != unix.SO_EE_ORIGIN_ICMP6 {
			continue
		}
		return offender(m.Data[eeLen:]), true
	}
	return "", false
}

// offender is the address in the sockaddr_in or sockaddr_in6 that follows
// a sock_extended_err (SO_EE_OFFENDER), or "".
func offender(b []byte) string {
	switch {
	case len(b) >= 8 && binary.NativeEndian.Uint16(b) == unix.AF_INET:
		return net.IP(b[4:8]).String()
	case len(b) >= 24 && binary.NativeEndian.Uint16(b) == unix.AF_INET6:
		return net.IP(b[8:24]).String()
	}
	return ""
}

// sequenceID reads the meta sequenceId of a message (or of the start of
// one, as an ICMP error quotes it).
func sequenceID(msg []byte) (uint32, bool) {
	const key = `[meta sequenceId="`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:end]), 10, 32)
	return uint32(n), err == nil
}

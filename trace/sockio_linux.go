package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"netdx/probe"
)

func (s *sockets) matcher() *matcher { return s.m }

// readers: the ICMP socket, then the raw TCP socket or the UDP sockets'
// error queues.
func (s *sockets) readers() int {
	n := 0
	if s.icmp != nil {
		n++
	}
	if s.tcp != nil {
		n++
	}
	if s.errq {
		n += len(s.udp)
	}
	return n
}

func (s *sockets) close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		if s.icmp != nil {
			s.icmp.Close()
		}
		for _, c := range s.udp {
			c.Close()
		}
		if s.tcp != nil {
			s.tcp.Close()
		}
		for _, fd := range s.holds {
			unix.Close(fd)
		}
	})
	return nil
}

func (s *sockets) send(a *attempt) (time.Time, error) {
	return sendings[s.cfg.Protocol].send(s, a, s.m.flows[a.slot.flow])
}

// setTTL sets the TTL (hop limit) of the socket of c when it changes.
func (s *sockets) setTTL(c syscall.Conn, cur *int, ttl int) error {
	if *cur == ttl {
		return nil
	}
	var serr error
	err := control(c, func(fd int) {
		if s.v6 {
			serr = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
		} else {
			serr = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, ttl)
		}
	})
	if err = errors.Join(err, serr); err != nil {
		return fmt.Errorf("trace: set ttl %d: %w", ttl, err)
	}
	*cur = ttl
	return nil
}

func (s *sockets) read(i int) (reply, error) {
	if s.icmp != nil {
		if i == 0 {
			return s.readICMP()
		}
		i--
	}
	if s.tcp != nil {
		return s.readTCP()
	}
	return s.readErrQueue(s.udp[i])
}

// pending: reader i's socket, numbered as read numbers them.
func (s *sockets) pending(i int) bool {
	if s.icmp != nil {
		if i == 0 {
			return s.icmp.Pending()
		}
		i--
	}
	var c syscall.Conn = s.tcp
	if s.tcp == nil {
		c = s.udp[i]
	}
	ready := false
	return control(c, func(fd int) { ready = probe.Readable(fd) }) == nil && ready
}

func (s *sockets) closedErr(err error) error {
	if s.closed.Load() || errors.Is(err, net.ErrClosed) {
		return errClosed
	}
	return err
}

func (s *sockets) readICMP() (reply, error) {
	buf := make([]byte, 1500)
	pkt, err := s.icmp.ReadPacket(buf)
	if err != nil {
		return reply{}, s.closedErr(err)
	}
	r := reply{src: pkt.Src.Unmap(), at: pkt.At, ttl: pkt.TTL, v6: s.v6, icmp: pkt.Data}
	if q := pkt.Queued; q != nil {
		r.queued, r.typ, r.code, r.info = true, q.Type, q.Code, q.Info
	}
	return r, nil
}

func (s *sockets) readTCP() (reply, error) {
	buf := make([]byte, 1500)
	n, from, err := s.tcp.ReadFromIP(buf)
	at := time.Now()
	if err != nil {
		return reply{}, s.closedErr(err)
	}
	a, _ := netip.AddrFromSlice(from.IP)
	return reply{src: a.Unmap(), at: at, ttl: -1, v6: s.v6, tcp: buf[:n]}, nil
}

// readErrQueue reads the next ICMP error from c's error queue (IP_RECVERR,
// tracepath's way): the kernel hands over the error's type, code and
// sender and the payload we sent, which names the probe.
func (s *sockets) readErrQueue(c *net.UDPConn) (reply, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return reply{}, s.closedErr(err)
	}
	buf, oob := make([]byte, 1500), make([]byte, 512)
	for {
		var n, oobn int
		var rerr error
		err = rc.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if rerr == unix.EAGAIN {
				// Readable for ordinary data (UDP answers): drop them all,
				// or the socket stays readable with no one reading.
				var junk [64]byte
				for {
					if _, _, err := unix.Recvfrom(int(fd), junk[:], unix.MSG_DONTWAIT); err != nil {
						break
					}
				}
				return false
			}
			return true
		})
		if err != nil {
			return reply{}, s.closedErr(err)
		}
		if rerr != nil {
			return reply{}, s.closedErr(rerr)
		}
		if r, ok := parseErrQueue(s.v6, buf[:n], oob[:oobn]); ok {
			return r, nil
		}
	}
}

// sockExtendedErr is struct sock_extended_err.
type sockExtendedErr struct {
	Errno                   uint32
	Origin, Type, Code, Pad uint8
	Info, Data              uint32
}

const (
	eeOriginICMP  = 2
	eeOriginICMP6 = 3
)

// parseErrQueue decodes the control messages of an error-queue read.
func parseErrQueue(v6 bool, data, oob []byte) (reply, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return reply{}, false
	}
	r := reply{v6: v6, ttl: -1, queued: true, icmp: data}
	found := false
	for _, m := range msgs {
		h := m.Header
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16:
			sec := int64(binary.NativeEndian.Uint64(m.Data))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			r.at = time.Unix(sec, nsec)
		case (h.Level == unix.SOL_IP && h.Type == unix.IP_TTL) || (h.Level == unix.SOL_IPV6 && h.Type == unix.IPV6_HOPLIMIT):
			if len(m.Data) >= 4 {
				r.ttl = int(int32(binary.NativeEndian.Uint32(m.Data)))
			}
		case (h.Level == unix.SOL_IP && h.Type == unix.IP_RECVERR) || (h.Level == unix.SOL_IPV6 && h.Type == unix.IPV6_RECVERR):
			const n = int(unsafe.Sizeof(sockExtendedErr{}))
			if len(m.Data) < n {
				continue
			}
			ee := (*sockExtendedErr)(unsafe.Pointer(&m.Data[0]))
			if ee.Origin != eeOriginICMP && ee.Origin != eeOriginICMP6 {
				continue
			}
			r.typ, r.code, r.info = int(ee.Type), int(ee.Code), ee.Info
			if sa, err := offender(m.Data[n:]); err == nil {
				r.src = sa
			}
			found = true
		}
	}
	if r.at.IsZero() {
		r.at = time.Now()
	}
	return r, found && r.src.IsValid()
}

var errShortOffender = errors.New("trace: short offender address")

// offender decodes the sockaddr_in / sockaddr_in6 after a
// sock_extended_err: the router that sent the error.
func offender(b []byte) (netip.Addr, error) {
	if len(b) < 2 {
		return netip.Addr{}, errShortOffender
	}
	switch binary.NativeEndian.Uint16(b) {
	case unix.AF_INET:
		if len(b) >= 8 {
			return netip.AddrFrom4([4]byte(b[4:8])), nil
		}
	case unix.AF_INET6:
		if len(b) >= 24 {
			return netip.AddrFrom16([16]byte(b[8:24])).Unmap(), nil
		}
	}
	return netip.Addr{}, errShortOffender
}

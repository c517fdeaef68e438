package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// defaultReadBuffer holds a few thousand replies arriving at once.
const defaultReadBuffer = 4 << 20

// Conn is an ICMP or ICMPv6 socket with kernel receive timestamps. WriteTo
// and ReadPacket may be called from different goroutines; concurrent
// writers (or readers) are serialised.
type Conn struct {
	f   *os.File
	rc  syscall.RawConn
	raw bool
	v6  bool
	id  int

	wmu     sync.Mutex
	applied WriteOptions // options the socket currently carries
	defTTL  int

	rmu sync.Mutex
	oob []byte
}

// Listen opens an ICMP socket with kernel receive timestamps (SO_TIMESTAMPNS)
// enabled. With neither CAP_NET_RAW nor ping_group_range it returns an error
// matching ErrPermission whose message names both fixes.
func Listen(ctx context.Context, cfg ConnConfig) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probe: listen: %w", err)
	}
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if cfg.IPv6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	open := func(typ int) (int, error) {
		return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	}
	var fd int
	var err error
	raw := false
	switch cfg.Mode {
	case ModeRaw:
		fd, err = open(unix.SOCK_RAW)
		raw = true
		if denied(err) {
			return nil, fmt.Errorf("%w: a raw socket needs CAP_NET_RAW (%v); %s", ErrPermission, err, permissionFix)
		}
	case ModeDatagram:
		fd, err = open(unix.SOCK_DGRAM)
		if denied(err) {
			return nil, fmt.Errorf("%w: net.ipv4.ping_group_range does not admit this user's groups (%v); %s", ErrPermission, err, permissionFix)
		}
	case ModeAuto:
		fd, err = open(unix.SOCK_RAW)
		raw = err == nil
		if denied(err) {
			fd, err = open(unix.SOCK_DGRAM)
			if denied(err) {
				return nil, fmt.Errorf("%w: neither CAP_NET_RAW nor net.ipv4.ping_group_range (%v); %s", ErrPermission, err, permissionFix)
			}
		}
	default:
		return nil, fmt.Errorf("probe: listen: unknown mode %d", int(cfg.Mode))
	}
	if err != nil {
		return nil, fmt.Errorf("probe: open ICMP socket: %w", err)
	}
	c := &Conn{raw: raw, v6: cfg.IPv6, oob: make([]byte, 512)}
	if err := c.setup(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	c.f = os.NewFile(uintptr(fd), "icmp")
	rc, err := c.f.SyscallConn()
	if err != nil {
		c.f.Close()
		return nil, fmt.Errorf("probe: listen: %w", err)
	}
	c.rc = rc
	return c, nil
}

func denied(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
}

func sockaddr(a netip.Addr, port int) unix.Sockaddr {
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Addr: a.Unmap().As4(), Port: port}
	}
	sa := &unix.SockaddrInet6{Addr: a.As16(), Port: port}
	if z := a.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa
}

// Raw reports whether c is a raw socket (full control) rather than a
// datagram socket (the kernel rewrites the echo id).
func (c *Conn) Raw() bool { return c.raw }

// IPv6 reports whether c is an ICMPv6 socket.
func (c *Conn) IPv6() bool { return c.v6 }

// ID is the echo id to use and expect: on a raw socket a random one chosen
// for this Conn, on a datagram socket the kernel's (the local port).
func (c *Conn) ID() int { return c.id }

// WriteTo sends b (a marshalled ICMP message; for ICMPv6 and datagram
// sockets the kernel fills the checksum, and on datagram sockets the echo
// id) to dst with the options o, and returns the time taken right before
// the send call, the way iputils stamps its probes: on a veth or loopback
// path the reply can be received, and stamped by the kernel, before the
// send call returns.
func (c *Conn) WriteTo(b []byte, dst netip.Addr, o WriteOptions) (time.Time, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.apply(o); err != nil {
		return time.Time{}, err
	}
	sa := sockaddr(dst, 0)
	var at time.Time
	var werr error
	err := c.rc.Write(func(fd uintptr) bool {
		at = time.Now()
		werr = unix.Sendto(int(fd), b, 0, sa)
		return werr != unix.EAGAIN
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return at, fmt.Errorf("probe: send to %s: %w", dst, closedErr(err))
	}
	return at, nil
}

// apply sets the socket options o asks for, when they differ from what
// the socket carries.
func (c *Conn) apply(o WriteOptions) error {
	if o == c.applied {
		return nil
	}
	var serr error
	set := func(fd, level, name, v int) {
		if serr == nil {
			serr = unix.SetsockoptInt(fd, level, name, v)
		}
	}
	err := c.rc.Control(func(fd uintptr) {
		s := int(fd)
		ttl := o.TTL
		if ttl <= 0 {
			ttl = c.defTTL
		}
		pmtu := unix.IP_PMTUDISC_WANT
		switch {
		case o.DontFragment:
			pmtu = unix.IP_PMTUDISC_DO
		case o.AllowFragment:
			pmtu = unix.IP_PMTUDISC_DONT
		}
		if c.v6 {
			tc := o.TOS
			if tc == 0 {
				tc = -1
			}
			set(s, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
			set(s, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tc)
			set(s, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, pmtu)
			return
		}
		set(s, unix.IPPROTO_IP, unix.IP_TTL, ttl)
		set(s, unix.IPPROTO_IP, unix.IP_TOS, o.TOS)
		set(s, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, pmtu)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("probe: set write options %+v: %w", o, closedErr(err))
	}
	c.applied = o
	return nil
}

// ReadPacket blocks until a packet arrives, the read deadline passes
// (os.ErrDeadlineExceeded) or the Conn is closed (net.ErrClosed). On a
// datagram socket it also returns the ICMP errors of the error queue, with
// Packet.Queued set. A packet that cannot be decoded gives an error
// matching ErrMalformed; the socket stays usable.
func (c *Conn) ReadPacket(buf []byte) (Packet, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	m, err := c.recv(buf)
	if err != nil {
		return Packet{}, err
	}
	return decodePacket(c.raw, c.v6, m, time.Now())
}

// message is what one recvmsg returned, before decoding.
type message struct {
	data   []byte
	oob    []byte
	from   netip.Addr
	queued bool // read from the error queue
}

// recv reads one message, from the error queue first on a datagram
// socket. The caller holds rmu: the control buffer is the Conn's.
func (c *Conn) recv(buf []byte) (message, error) {
	var n, oobn int
	var from unix.Sockaddr
	var rerr error
	var queued bool
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			if !c.raw {
				n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, c.oob, unix.MSG_ERRQUEUE)
				if rerr == nil {
					queued = true
					return true
				}
			}
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, c.oob, 0)
			switch {
			case rerr == unix.EAGAIN:
				return false
			case rerr == unix.EINTR:
				continue
			case rerr != nil && !c.raw:
				// A datagram socket reports a pending ICMP error once as
				// the read's error; the details wait on the error queue.
				continue
			}
			return true
		}
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return message{}, fmt.Errorf("probe: read: %w", closedErr(err))
	}
	return message{data: buf[:n], oob: c.oob[:oobn], from: addrOf(from), queued: queued}, nil
}

// decodePacket turns what recvmsg returned on a raw or datagram, v4 or v6
// socket into a Packet; now is the fallback receive time.
func decodePacket(raw, v6 bool, m message, now time.Time) (Packet, error) {
	ctl := parseControl(m.oob)
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

func addrOf(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr)
	}
	return netip.Addr{}
}

// SetReadDeadline makes ReadPacket return os.ErrDeadlineExceeded at t; the
// zero time means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.f.SetReadDeadline(t); err != nil {
		return fmt.Errorf("probe: set read deadline: %w", closedErr(err))
	}
	return nil
}

// Close closes the socket; blocked reads return an error matching
// net.ErrClosed.
func (c *Conn) Close() error {
	if err := c.f.Close(); err != nil {
		return fmt.Errorf("probe: close: %w", closedErr(err))
	}
	return nil
}

func closedErr(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return net.ErrClosed
	}
	return err
}

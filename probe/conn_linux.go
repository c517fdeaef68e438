package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// defaultReadBuffer holds a few thousand replies arriving at once.
const defaultReadBuffer = 4 << 20

// batchLen is how many messages one read (recvmmsg) may take.
const batchLen = 16

// Conn is an ICMP or ICMPv6 socket with kernel receive timestamps. WriteTo
// and ReadPacket may be called from different goroutines; concurrent
// writers (or readers) are serialised.
//
// The socket is a net.PacketConn (*net.IPConn when raw, *net.UDPConn for
// a datagram ICMP socket) driven through x/net's ipv4 or ipv6 PacketConn:
// TTL, TOS, the ICMP filter, the TTL control message and batched reads.
// What x/net does not cover (timestamps, the error queue, path MTU
// discovery, binding) is in sys_linux.go.
type Conn struct {
	pc  net.PacketConn
	p4  *ipv4.PacketConn // nil for ICMPv6
	p6  *ipv6.PacketConn // nil for ICMPv4
	rc  syscall.RawConn  // pc's, for the options x/net lacks
	raw bool
	v6  bool
	id  int

	wmu     sync.Mutex
	applied WriteOptions // options the socket currently carries
	defTTL  int

	rmu   sync.Mutex
	batch []ipv4.Message // the same type as ipv6.Message
	next  int            // batch[next:n] are read but not yet returned
	n     int
	left  atomic.Bool // next < n, for Pending (which does not take rmu)
	eoob  []byte      // control data of error queue reads
	reads int         // batched reads done (tests check that batching happens)
	vlen  int         // messages per read: batchLen, 1 in a benchmark
}

// Listen opens an ICMP socket with kernel receive timestamps (SO_TIMESTAMPNS)
// enabled. With neither CAP_NET_RAW nor ping_group_range it returns an error
// matching ErrPermission whose message names both fixes.
func Listen(ctx context.Context, cfg ConnConfig) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("probe: listen: %w", err)
	}
	fd, raw, err := open(cfg)
	if err != nil {
		return nil, err
	}
	if err := setupFD(fd, raw, cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "icmp")
	pc, err := net.FilePacketConn(f) // a duplicate of fd
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("probe: listen: %w", err)
	}
	c := &Conn{pc: pc, raw: raw, v6: cfg.IPv6, eoob: make([]byte, 512), vlen: batchLen}
	if err := c.setup(); err != nil {
		pc.Close()
		return nil, err
	}
	return c, nil
}

// open opens the socket the mode asks for: raw (SOCK_RAW) or datagram
// (SOCK_DGRAM, IPPROTO_ICMP), the first permitted for ModeAuto.
func open(cfg ConnConfig) (fd int, raw bool, err error) {
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if cfg.IPv6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	socket := func(typ int) (int, error) {
		return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	}
	switch cfg.Mode {
	case ModeRaw:
		fd, err = socket(unix.SOCK_RAW)
		raw = true
		if denied(err) {
			return -1, false, fmt.Errorf("%w: a raw socket needs CAP_NET_RAW (%v); %s", ErrPermission, err, permissionFix)
		}
	case ModeDatagram:
		fd, err = socket(unix.SOCK_DGRAM)
		if denied(err) {
			return -1, false, fmt.Errorf("%w: net.ipv4.ping_group_range does not admit this user's groups (%v); %s", ErrPermission, err, permissionFix)
		}
	case ModeAuto:
		fd, err = socket(unix.SOCK_RAW)
		raw = err == nil
		if denied(err) {
			fd, err = socket(unix.SOCK_DGRAM)
			if denied(err) {
				return -1, false, fmt.Errorf("%w: neither CAP_NET_RAW nor net.ipv4.ping_group_range (%v); %s", ErrPermission, err, permissionFix)
			}
		}
	default:
		return -1, false, fmt.Errorf("probe: listen: unknown mode %d", int(cfg.Mode))
	}
	if err != nil {
		return -1, false, fmt.Errorf("probe: open ICMP socket: %w", err)
	}
	return fd, raw, nil
}

func denied(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
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
	to := c.addr(dst)
	send := func() error { return c.write(b, to) }
	var at time.Time
	var err error
	if c.raw {
		at, err = time.Now(), send()
	} else {
		at, err = SendPastPending(send)
	}
	if err != nil {
		return at, fmt.Errorf("probe: send to %s: %w", dst, closedErr(err))
	}
	return at, nil
}

// sendRetries bounds the sends that pending ICMP errors may fail before a
// probe counts as not sent.
const sendRetries = 32

// SendPastPending runs send on a datagram socket that receives ICMP errors
// (IP_RECVERR): each error also sets the socket's pending error, and a send
// that finds one fails with it instead of sending. The error was about an
// earlier packet and waits on the error queue; reading that queue sets the
// next one pending, so on a fast path a send can meet several. It tries
// again while the error is one an ICMP error makes, at most sendRetries
// times, and returns the time just before the last attempt.
func SendPastPending(send func() error) (time.Time, error) {
	for try := 0; ; try++ {
		at := time.Now()
		err := send()
		if err == nil || !icmpErrno(err) || try == sendRetries {
			return at, err
		}
	}
}

func (c *Conn) write(b []byte, to net.Addr) error {
	var err error
	if c.v6 {
		_, err = c.p6.WriteTo(b, nil, to)
	} else {
		_, err = c.p4.WriteTo(b, nil, to)
	}
	return err
}

// icmpErrno reports whether err is one of the errnos the kernel makes of
// an ICMP error (icmp_err_convert, icmpv6_err_convert).
func icmpErrno(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case unix.ENETUNREACH, unix.EHOSTUNREACH, unix.ECONNREFUSED, unix.EPROTO, unix.EMSGSIZE,
		unix.EACCES, unix.ENOPROTOOPT, unix.EOPNOTSUPP, unix.EHOSTDOWN, unix.ENONET:
		return true
	}
	return false
}

// addr is dst as the net.Addr of c's kind of PacketConn.
func (c *Conn) addr(dst netip.Addr) net.Addr {
	ip := net.IP(dst.Unmap().AsSlice())
	if c.raw {
		return &net.IPAddr{IP: ip, Zone: dst.Zone()}
	}
	return &net.UDPAddr{IP: ip, Zone: dst.Zone()}
}

// apply sets the socket options o asks for, when they differ from what
// the socket carries: TTL (hop limit) and TOS (traffic class) through
// x/net, path MTU discovery directly. They are socket options rather than
// per-packet control messages: x/net's ipv4.ControlMessage carries no TTL
// to send, and cached options cost a system call only when they change.
func (c *Conn) apply(o WriteOptions) error {
	if o == c.applied {
		return nil
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = c.defTTL
	}
	var err error
	if c.v6 {
		err = c.p6.SetHopLimit(ttl)
		if err == nil {
			err = c.p6.SetTrafficClass(o.TOS)
		}
	} else {
		err = c.p4.SetTTL(ttl)
		if err == nil {
			err = c.p4.SetTOS(o.TOS)
		}
	}
	if err == nil {
		err = c.setPMTUDiscovery(o)
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
// matching ErrMalformed; the socket stays usable. One system call reads up
// to batchLen waiting packets (recvmmsg); the next calls return them.
func (c *Conn) ReadPacket(buf []byte) (Packet, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	m, err := c.recv(buf)
	if err != nil {
		return Packet{}, err
	}
	if m.truncated {
		return Packet{}, fmt.Errorf("%w: larger than the %d-byte read buffer", ErrMalformed, len(buf))
	}
	return decodePacket(c.raw, c.v6, m, time.Now())
}

// message is what one recvmsg returned, before decoding.
type message struct {
	data   []byte
	oob    []byte
	from   netip.Addr
	queued bool // read from the error queue
	// truncated: the packet was larger than the buffer (MSG_TRUNC).
	truncated bool
}

// recv returns the next message: one left from the last batch, else one
// from the error queue (datagram sockets), else the first of a new batch.
// The caller holds rmu. The data is copied into buf; the control data
// stays valid until the next recv.
func (c *Conn) recv(buf []byte) (message, error) {
	for c.next >= c.n {
		if !c.raw {
			m, ok, err := c.waitDatagram(buf)
			if err != nil {
				return message{}, fmt.Errorf("probe: read: %w", closedErr(err))
			}
			if ok {
				return m, nil
			}
		}
		n, err := c.readBatch(len(buf))
		var errno syscall.Errno
		switch {
		case err == nil:
			c.next, c.n = 0, n
		case errors.As(err, &errno) && (errno == unix.EINTR || !c.raw):
			// A datagram socket reports a pending ICMP error once as
			// the read's error; the details wait on the error queue.
		default:
			return message{}, fmt.Errorf("probe: read: %w", closedErr(err))
		}
	}
	b := c.batch[c.next]
	c.next++
	c.left.Store(c.next < c.n)
	n := copy(buf, b.Buffers[0][:b.N])
	return message{data: buf[:n], oob: b.OOB[:b.NN], from: addrOf(b.Addr),
		truncated: b.Flags&unix.MSG_TRUNC != 0 || n < b.N}, nil
}

// readBatch reads up to batchLen messages of up to size bytes each.
func (c *Conn) readBatch(size int) (int, error) {
	if len(c.batch) == 0 || len(c.batch[0].Buffers[0]) < size {
		c.batch = make([]ipv4.Message, batchLen)
		data, oob := make([]byte, batchLen*size), make([]byte, batchLen*512)
		for i := range c.batch {
			c.batch[i].Buffers = [][]byte{data[i*size : (i+1)*size : (i+1)*size]}
			c.batch[i].OOB = oob[i*512 : (i+1)*512 : (i+1)*512]
		}
	}
	c.reads++
	if c.v6 {
		return c.p6.ReadBatch(c.batch[:c.vlen], 0)
	}
	return c.p4.ReadBatch(c.batch[:c.vlen], 0)
}

func addrOf(a net.Addr) netip.Addr {
	var ip net.IP
	switch a := a.(type) {
	case *net.IPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	}
	addr, _ := netip.AddrFromSlice(ip)
	return addr.Unmap()
}

// SetReadDeadline makes ReadPacket return os.ErrDeadlineExceeded at t; the
// zero time means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.pc.SetReadDeadline(t); err != nil {
		return fmt.Errorf("probe: set read deadline: %w", closedErr(err))
	}
	return nil
}

// Close closes the socket; blocked reads return an error matching
// net.ErrClosed.
func (c *Conn) Close() error {
	if err := c.pc.Close(); err != nil {
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

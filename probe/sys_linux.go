package probe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// What x/net's ipv4 and ipv6 packages do not cover stays on x/sys: kernel
// receive timestamps (SO_TIMESTAMPNS), the receive buffer beyond rmem_max
// (SO_RCVBUFFORCE), the error queue of datagram sockets (IP_RECVERR,
// MSG_ERRQUEUE), path MTU discovery (IP_MTU_DISCOVER), SO_BINDTODEVICE
// and binding before the descriptor becomes a net.PacketConn.

// setupFD sets the socket options x/net lacks on the new socket fd, and
// binds it: a datagram socket always (the kernel picks its echo id), a
// raw one to cfg.Source.
func setupFD(fd int, raw bool, cfg ConnConfig) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fmt.Errorf("probe: set SO_TIMESTAMPNS: %w", err)
	}
	rb := cfg.ReadBuffer
	if rb <= 0 {
		rb = defaultReadBuffer
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rb) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rb) // capped by rmem_max
	}
	if !raw {
		level, name, what := unix.IPPROTO_IP, unix.IP_RECVERR, "IP_RECVERR"
		if cfg.IPv6 {
			level, name, what = unix.IPPROTO_IPV6, unix.IPV6_RECVERR, "IPV6_RECVERR"
		}
		if err := unix.SetsockoptInt(fd, level, name, 1); err != nil {
			return fmt.Errorf("probe: set %s: %w", what, err)
		}
	}
	if cfg.Interface != "" {
		if err := unix.BindToDevice(fd, cfg.Interface); err != nil {
			return bindError("Interface", cfg.Interface, err)
		}
	}
	if cfg.Source.IsValid() || !raw {
		src := cfg.Source
		if !src.IsValid() {
			src = netip.IPv4Unspecified()
			if cfg.IPv6 {
				src = netip.IPv6Unspecified()
			}
		}
		if src.Is6() != cfg.IPv6 && !src.Is4In6() {
			return fmt.Errorf("probe: source %s is not of the socket's address family", src)
		}
		if err := unix.Bind(fd, sockaddr(src)); err != nil {
			return bindError("Source", src, err)
		}
	}
	return nil
}

// bindError says which field of the configuration the kernel refused when
// it names something this host does not have; other failures stay errors
// of the socket.
func bindError(field string, v any, err error) error {
	switch {
	case errors.Is(err, unix.ENODEV):
		return &ConfigError{Field: field, Value: v, Reason: "no such interface", Err: err}
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return &ConfigError{Field: field, Value: v, Reason: "not an address of this host", Err: err}
	}
	return fmt.Errorf("probe: bind %s %v: %w", strings.ToLower(field), v, err)
}

func sockaddr(a netip.Addr) unix.Sockaddr {
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Addr: a.Unmap().As4()}
	}
	sa := &unix.SockaddrInet6{Addr: a.As16()}
	if z := a.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa
}

// setPMTUDiscovery sets DF the way o asks (ping -M do / dont / probe /
// the kernel's default). The IPv6 option takes the same values.
func (c *Conn) setPMTUDiscovery(o WriteOptions) error {
	pmtu := unix.IP_PMTUDISC_WANT
	switch {
	case o.DontFragment:
		pmtu = unix.IP_PMTUDISC_DO
	case o.AllowFragment:
		pmtu = unix.IP_PMTUDISC_DONT
	case o.ProbeMTU:
		pmtu = unix.IP_PMTUDISC_PROBE
	}
	level, name := unix.IPPROTO_IP, unix.IP_MTU_DISCOVER
	if c.v6 {
		level, name = unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER
	}
	var serr error
	err := c.rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), level, name, pmtu)
	})
	if err == nil {
		err = serr
	}
	return err
}

// waitDatagram blocks until c's datagram socket has data to read or an
// entry on its error queue, the read deadline passes or c is closed. It
// returns the entry (ok) if there is one; else ordinary data waits for
// ReadBatch. The error queue is checked on every wake-up: an ICMP error
// wakes the socket (EPOLLERR) but leaves no data, and the pending error
// that also signals it may already have been taken by a send or a read.
func (c *Conn) waitDatagram(buf []byte) (m message, ok bool, err error) {
	err = c.rc.Read(func(fd uintptr) bool {
		for range 4 {
			n, oobn, flags, from, rerr := unix.Recvmsg(int(fd), buf, c.eoob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if rerr == nil {
				m, ok = message{data: buf[:n], oob: c.eoob[:oobn], from: sockaddrAddr(from), queued: true,
					truncated: flags&unix.MSG_TRUNC != 0}, true
				return true
			}
			var one [1]byte
			_, _, perr := unix.Recvfrom(int(fd), one[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			switch perr {
			case nil:
				return true // data waiting
			case unix.EAGAIN:
				return false // nothing yet: wait
			}
			// EINTR, or the pending ICMP error the peek just took: its
			// details are on the error queue.
		}
		return true
	})
	return m, ok, err
}

func sockaddrAddr(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr)
	}
	return netip.Addr{}
}

// Pending reports whether a packet or a queued ICMP error waits, not yet
// returned by ReadPacket: on the socket (poll with no timeout) or in the
// last batch read. It does not read, and does not wait for a reader.
func (c *Conn) Pending() bool {
	if c.left.Load() {
		return true
	}
	pending := false
	_ = c.rc.Control(func(fd uintptr) { pending = Readable(int(fd)) })
	return pending
}

// Readable reports whether fd has data or a queued error to read now.
func Readable(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(pfd, 0)
	return err == nil && n > 0 && pfd[0].Revents&(unix.POLLIN|unix.POLLERR) != 0
}

// ZoneIndex is the index of the interface an IPv6 zone names (an
// interface name, or an index given as a number), looked up with an ioctl
// on the socket, so in the socket's network namespace whatever thread
// asks. A zone that names no interface gives an error matching ErrZone.
func (c *Conn) ZoneIndex(zone string) (int, error) {
	var idx int
	var ierr error
	err := c.rc.Control(func(fd uintptr) { idx, ierr = ZoneIndex(int(fd), zone) })
	if err != nil {
		return 0, fmt.Errorf("probe: zone %q: %w", zone, closedErr(err))
	}
	return idx, ierr
}

// ZoneIndex is the index of the interface zone names, in the network
// namespace of the socket fd.
func ZoneIndex(fd int, zone string) (int, error) {
	if n, err := strconv.Atoi(zone); err == nil {
		ifr := &unix.Ifreq{}
		ifr.SetUint32(uint32(n))
		if n <= 0 || unix.IoctlIfreq(fd, unix.SIOCGIFNAME, ifr) != nil {
			return 0, fmt.Errorf("%w %q: no interface has index %d", ErrZone, zone, n)
		}
		return n, nil
	}
	ifr, err := unix.NewIfreq(zone)
	if err != nil {
		return 0, fmt.Errorf("%w %q: %v", ErrZone, zone, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("%w %q: no such interface", ErrZone, zone)
	}
	return int(ifr.Uint32()), nil
}

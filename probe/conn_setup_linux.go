package probe

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// setup sets the socket options and binds fd.
func (c *Conn) setup(fd int, cfg ConnConfig) error {
	opt := func(level, name, v int, what string) error {
		if err := unix.SetsockoptInt(fd, level, name, v); err != nil {
			return fmt.Errorf("probe: set %s: %w", what, err)
		}
		return nil
	}
	if err := opt(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS"); err != nil {
		return err
	}
	rb := cfg.ReadBuffer
	if rb <= 0 {
		rb = defaultReadBuffer
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rb) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rb) // capped by rmem_max
	}
	if c.v6 {
		if err := opt(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"); err != nil {
			return err
		}
		if c.raw {
			// Only what ping and trace use: errors and echo replies.
			var f unix.ICMPv6Filter
			for i := range f.Data {
				f.Data[i] = 0xffffffff
			}
			for _, t := range []int{1, 2, 3, 4, 129} {
				f.Data[t>>5] &^= 1 << (uint(t) & 31)
			}
			if err := unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &f); err != nil {
				return fmt.Errorf("probe: set ICMPV6_FILTER: %w", err)
			}
		} else if err := opt(unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1, "IPV6_RECVERR"); err != nil {
			return err
		}
		c.defTTL = -1
	} else {
		if err := opt(unix.IPPROTO_IP, unix.IP_RECVTTL, 1, "IP_RECVTTL"); err != nil {
			return err
		}
		if c.raw {
			// ICMP_FILTER takes a mask of the types to drop: keep echo
			// reply, unreachable, source quench, time exceeded and
			// parameter problem.
			keep := uint32(1<<0 | 1<<3 | 1<<4 | 1<<11 | 1<<12)
			if err := opt(unix.SOL_RAW, unix.ICMP_FILTER, int(^keep), "ICMP_FILTER"); err != nil {
				return err
			}
		} else if err := opt(unix.IPPROTO_IP, unix.IP_RECVERR, 1, "IP_RECVERR"); err != nil {
			return err
		}
		ttl, err := unix.GetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL)
		if err != nil {
			return fmt.Errorf("probe: get IP_TTL: %w", err)
		}
		c.defTTL = ttl
	}
	if cfg.Interface != "" {
		if err := unix.BindToDevice(fd, cfg.Interface); err != nil {
			return fmt.Errorf("probe: bind to interface %q: %w", cfg.Interface, err)
		}
	}
	if cfg.Source.IsValid() || !c.raw {
		src := cfg.Source
		if !src.IsValid() {
			src = netip.IPv4Unspecified()
			if c.v6 {
				src = netip.IPv6Unspecified()
			}
		}
		if src.Is6() != c.v6 && !src.Is4In6() {
			return fmt.Errorf("probe: source %s is not of the socket's address family", src)
		}
		if err := unix.Bind(fd, sockaddr(src, 0)); err != nil {
			return fmt.Errorf("probe: bind %s: %w", src, err)
		}
	}
	if c.raw {
		var b [2]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("probe: random echo id: %w", err)
		}
		c.id = int(binary.BigEndian.Uint16(b[:]))
		return nil
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fmt.Errorf("probe: getsockname: %w", err)
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		c.id = a.Port
	case *unix.SockaddrInet6:
		c.id = a.Port
	}
	return nil
}

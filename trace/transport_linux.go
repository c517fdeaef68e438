package trace

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netdx/icmpmsg"
	"netdx/probe"
)

// icmpConn is what trace needs of probe's ICMP socket.
type icmpConn interface {
	WriteTo(b []byte, dst netip.Addr, o probe.WriteOptions) (time.Time, error)
	ReadPacket(buf []byte) (probe.Packet, error)
	Raw() bool
	ID() int
	Pending() bool
	Close() error
}

var _ icmpConn = (*probe.Conn)(nil)

// ErrPermission is returned (wrapped) when the probes asked for need a
// privilege the process does not have.
var ErrPermission = errors.New("trace: no permission")

// sockets is the real transport: probe's ICMP socket for ICMP probes and
// for every ICMP error (raw mode), one UDP socket per flow (with
// IP_RECVERR when unprivileged), a raw TCP socket for SYN probes.
type sockets struct {
	cfg   Config
	v6    bool
	src   netip.Addr
	m     *matcher
	icmp  icmpConn
	udp   []*net.UDPConn
	ttls  []int // TTL last set on each UDP socket
	tcp   *net.IPConn
	tcpTT int
	holds []int // bound TCP sockets that reserve the flows' ports
	errq  bool  // read UDP errors from the error queue (unprivileged)

	closed atomic.Bool
	once   sync.Once
}

// open opens the sockets cfg needs and fixes cfg's probe size for --mtu.
func open(ctx context.Context, cfg Config) (transport, Config, error) {
	s := &sockets{cfg: cfg, v6: cfg.target.Is6()}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	src, mtu, err := route(cfg)
	if err != nil {
		return nil, cfg, err
	}
	s.src = src
	if cfg.MTU {
		c := cfg
		c.Size = 0
		s.cfg.Size = max(mtu-(&sched{cfg: c}).ipSize(0), minSize(cfg.Protocol))
	}
	c, err := probe.Listen(ctx, probe.ConnConfig{IPv6: s.v6, Mode: cfg.Mode, Source: cfg.Source, Interface: cfg.Interface})
	switch {
	case err == nil:
		s.icmp = c
	case errors.Is(err, probe.ErrPermission) && cfg.Protocol == "udp":
		// Unprivileged UDP trace: errors come on the UDP sockets.
	case errors.Is(err, probe.ErrPermission) && cfg.Protocol == "tcp":
		// An ICMP datagram socket would not help: name the one fix.
		return nil, cfg, fmt.Errorf("%w: tcp probes need a raw socket, which needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep $(which netdx)`", ErrPermission)
	default:
		return nil, cfg, fmt.Errorf("trace: %w", err)
	}
	raw := s.icmp != nil && s.icmp.Raw()
	if cfg.Protocol == "tcp" && !raw {
		return nil, cfg, fmt.Errorf("%w: tcp probes need a raw socket: run as root or `setcap cap_net_raw+ep $(which netdx)`", ErrPermission)
	}
	if cfg.Protocol == "udp" && !raw {
		s.errq = true
		if s.icmp != nil {
			s.icmp.Close()
			s.icmp = nil
		}
	}
	var b [4 + icmpmsg.TokenLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, cfg, fmt.Errorf("trace: random: %w", err)
	}
	s.m = &matcher{proto: cfg.Protocol, target: cfg.target.WithZone(""), src: src.WithZone(""),
		cookie: binary.BigEndian.Uint16(b[:]), token: icmpmsg.Token(b[4:])}
	if s.icmp != nil {
		s.m.icmpID, s.m.datagram = s.icmp.ID(), !s.icmp.Raw()
	}
	sumBase := binary.BigEndian.Uint16(b[2:]) &^ 0xff
	for f := 0; f < cfg.Flows; f++ {
		id := flowID{dport: cfg.Port, sum: sumBase | uint16(f+1)}
		switch cfg.Protocol {
		case "udp":
			if id.sport, err = s.openUDP(); err != nil {
				return nil, cfg, err
			}
		case "tcp":
			if id.sport, err = s.holdTCP(); err != nil {
				return nil, cfg, err
			}
		}
		s.m.flows = append(s.m.flows, id)
	}
	if cfg.Protocol == "tcp" {
		if err := s.openTCP(); err != nil {
			return nil, cfg, err
		}
	}
	ok = true
	return s, s.cfg, nil
}

// route finds the source address the kernel would use for the target
// (no packet is sent; a link-local one with the zone of the target) and
// the route's MTU.
func route(cfg Config) (netip.Addr, int, error) {
	fd, err := unix.Socket(family(cfg.target), unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("trace: route lookup: %w", err)
	}
	defer unix.Close(fd)
	if cfg.Interface != "" {
		if err := unix.BindToDevice(fd, cfg.Interface); err != nil {
			return netip.Addr{}, 0, bindError("Interface", cfg.Interface, err)
		}
	}
	if cfg.Source.IsValid() {
		if err := unix.Bind(fd, sockaddr(cfg.Source, 0)); err != nil {
			return netip.Addr{}, 0, bindError("Source", cfg.Source, err)
		}
	}
	if err := unix.Connect(fd, sockaddr(cfg.dst(), cfg.Port)); err != nil {
		return netip.Addr{}, 0, fmt.Errorf("trace: no route to %s: %w", cfg.target, err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("trace: route lookup: %w", err)
	}
	mtu := 1500
	if cfg.target.Is6() {
		if m, err := unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MTU); err == nil {
			mtu = m
		}
	} else if m, err := unix.GetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MTU); err == nil {
		mtu = m
	}
	return addrOf(sa), mtu, nil
}

// bindError says which field of the configuration the kernel refused when
// it names something this host does not have.
func bindError(field string, v any, err error) error {
	switch {
	case errors.Is(err, unix.ENODEV):
		return &ConfigError{Field: field, Value: v, Reason: "no such interface", Err: err}
	case errors.Is(err, unix.EADDRNOTAVAIL):
		return &ConfigError{Field: field, Value: v, Reason: "not an address of this host", Err: err}
	}
	return fmt.Errorf("trace: bind %s %v: %w", strings.ToLower(field), v, err)
}

func family(a netip.Addr) int {
	if a.Is6() {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// sockaddr is a with port; a zone of a must be an interface index (see
// Config.dst).
func sockaddr(a netip.Addr, port int) unix.Sockaddr {
	if a.Is4() {
		return &unix.SockaddrInet4{Addr: a.As4(), Port: port}
	}
	sa := &unix.SockaddrInet6{Addr: a.As16(), Port: port}
	if z, err := strconv.Atoi(a.Zone()); err == nil {
		sa.ZoneId = uint32(z)
	}
	return sa
}

func addrOf(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(a.Addr).Unmap()
		if a.ZoneId != 0 && ip.Is6() {
			ip = ip.WithZone(strconv.Itoa(int(a.ZoneId)))
		}
		return ip
	}
	return netip.Addr{}
}

// openUDP opens one flow's UDP socket and returns its port.
func (s *sockets) openUDP() (int, error) {
	network := "udp4"
	if s.v6 {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.src, 0)))
	if err != nil {
		return 0, fmt.Errorf("trace: udp socket: %w", err)
	}
	s.udp = append(s.udp, c)
	s.ttls = append(s.ttls, -1)
	var serr error
	set := func(fd, level, name, v int) {
		if serr == nil {
			serr = unix.SetsockoptInt(fd, level, name, v)
		}
	}
	err = control(c, func(fd int) {
		if s.cfg.Interface != "" {
			serr = unix.BindToDevice(fd, s.cfg.Interface)
		}
		if s.v6 {
			if s.cfg.MTU {
				set(fd, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_PROBE)
			}
			if s.errq {
				set(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1)
				set(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1)
				set(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
			}
			return
		}
		if s.cfg.MTU {
			set(fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE)
		}
		if s.errq {
			set(fd, unix.IPPROTO_IP, unix.IP_RECVERR, 1)
			set(fd, unix.IPPROTO_IP, unix.IP_RECVTTL, 1)
			set(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return 0, fmt.Errorf("trace: udp socket options: %w", err)
	}
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// holdTCP binds (without listening) a TCP socket so that the flow's source
// port is ours; the kernel answers the target's SYN-ACK with a reset.
func (s *sockets) holdTCP() (int, error) {
	fd, err := unix.Socket(family(s.src), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("trace: tcp socket: %w", err)
	}
	s.holds = append(s.holds, fd)
	if err := unix.Bind(fd, sockaddr(s.src, 0)); err != nil {
		return 0, fmt.Errorf("trace: bind tcp port: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, fmt.Errorf("trace: tcp port: %w", err)
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port, nil
	case *unix.SockaddrInet6:
		return a.Port, nil
	}
	return 0, fmt.Errorf("trace: tcp port: unexpected address %T", sa)
}

func (s *sockets) openTCP() error {
	network := "ip4:tcp"
	if s.v6 {
		network = "ip6:tcp"
	}
	c, err := net.ListenIP(network, &net.IPAddr{IP: s.src.AsSlice(), Zone: s.src.Zone()})
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("%w: tcp probes need CAP_NET_RAW: `setcap cap_net_raw+ep $(which netdx)`", ErrPermission)
		}
		return fmt.Errorf("trace: raw tcp socket: %w", err)
	}
	s.tcp, s.tcpTT = c, -1
	if s.cfg.Interface != "" {
		var serr error
		if err := control(c, func(fd int) { serr = unix.BindToDevice(fd, s.cfg.Interface) }); err != nil || serr != nil {
			return fmt.Errorf("trace: bind tcp to %q: %w", s.cfg.Interface, errors.Join(err, serr))
		}
	}
	return nil
}

// control runs fn on the socket of c.
func control(c syscall.Conn, fn func(fd int)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}

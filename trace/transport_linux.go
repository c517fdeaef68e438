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

// sending is how one protocol's probes leave: the sockets they need and
// how one is sent. Each protocol has one, in its _linux.go file.
type sending interface {
	// open opens the sockets of s the probes need, the ICMP socket s.icmp
	// included (or not), and returns each flow's source port (nil: the
	// protocol has no ports).
	open(ctx context.Context, s *sockets) ([]int, error)
	// send sends attempt a on flow f and returns when it left.
	send(s *sockets, a *attempt, f flowID) (time.Time, error)
}

// sendings holds each protocol's sending, indexed by Protocol.
var sendings = [...]sending{ICMP: icmpProbes{}, UDP: udpProbes{}, TCP: tcpProbes{}}

// Every protocol has its sending: the index is out of range otherwise.
var _ = [1]struct{}{}[len(sendings)-1-numProtocols]

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
		s.cfg.Size = max(mtu-cfg.Protocol.PacketSize(s.v6, 0), cfg.Protocol.probing().minPayload())
	}
	ports, err := sendings[cfg.Protocol].open(ctx, s)
	if err != nil {
		return nil, cfg, err
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
		if ports != nil {
			id.sport = ports[f]
		}
		s.m.flows = append(s.m.flows, id)
	}
	ok = true
	return s, s.cfg, nil
}

// listenICMP opens probe's ICMP socket for the probes or their errors.
func (s *sockets) listenICMP(ctx context.Context) (*probe.Conn, error) {
	return probe.Listen(ctx, probe.ConnConfig{IPv6: s.v6, Mode: s.cfg.Mode, Source: s.cfg.Source, Interface: s.cfg.Interface})
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

// control runs fn on the socket of c.
func control(c syscall.Conn, fn func(fd int)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}

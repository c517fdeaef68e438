package trace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"netdx/probe"
)

// open: the raw ICMP socket for the errors, a bound TCP socket per flow
// that holds its source port, and a raw TCP socket that sends the SYNs
// and reads the target's answers.
func (tcpProbes) open(ctx context.Context, s *sockets) ([]int, error) {
	c, err := s.listenICMP(ctx)
	switch {
	case errors.Is(err, probe.ErrPermission):
		// An ICMP datagram socket would not help: name the one fix.
		return nil, fmt.Errorf("%w: tcp probes need a raw socket, which needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep $(which netdx)`", ErrPermission)
	case err != nil:
		return nil, fmt.Errorf("trace: %w", err)
	}
	s.icmp = c
	if !c.Raw() {
		return nil, fmt.Errorf("%w: tcp probes need a raw socket: run as root or `setcap cap_net_raw+ep $(which netdx)`", ErrPermission)
	}
	ports := make([]int, s.cfg.Flows)
	for f := range ports {
		if ports[f], err = s.holdTCP(); err != nil {
			return nil, err
		}
	}
	return ports, s.openTCP()
}

func (tcpProbes) send(s *sockets, a *attempt, f flowID) (time.Time, error) {
	if err := s.setTTL(s.tcp, &s.tcpTT, a.ttl); err != nil {
		return time.Time{}, err
	}
	seg := tcpSYN(s.src, s.cfg.target, f.sport, f.dport, tcpSeq(s.m.cookie, a.token))
	at := time.Now()
	if _, err := s.tcp.WriteToIP(seg, &net.IPAddr{IP: s.cfg.target.AsSlice(), Zone: s.cfg.dst().Zone()}); err != nil {
		return at, fmt.Errorf("trace: send tcp probe: %w", err)
	}
	return at, nil
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

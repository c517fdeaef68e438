package trace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"netdx/probe"
)

// open: one UDP socket per flow. The errors come on the raw ICMP socket
// when there is one, else on the UDP sockets' error queues (IP_RECVERR).
func (udpProbes) open(ctx context.Context, s *sockets) ([]int, error) {
	c, err := s.listenICMP(ctx)
	switch {
	case err == nil && c.Raw():
		s.icmp = c
	case err == nil:
		c.Close()
		s.errq = true
	case errors.Is(err, probe.ErrPermission):
		s.errq = true
	default:
		return nil, fmt.Errorf("trace: %w", err)
	}
	ports := make([]int, s.cfg.Flows)
	for f := range ports {
		if ports[f], err = s.openUDP(); err != nil {
			return nil, err
		}
	}
	return ports, nil
}

func (udpProbes) send(s *sockets, a *attempt, f flowID) (time.Time, error) {
	c := s.udp[a.slot.flow]
	if err := s.setTTL(c, &s.ttls[a.slot.flow], a.ttl); err != nil {
		return time.Time{}, err
	}
	b := udpPayload(a.size, s.src, s.cfg.target, f.sport, f.dport, a.token)
	to := netip.AddrPortFrom(s.cfg.dst(), uint16(f.dport))
	send := func() error {
		_, err := c.WriteToUDPAddrPort(b, to)
		return err
	}
	var at time.Time
	var err error
	if s.errq {
		at, err = probe.SendPastPending(send)
	} else {
		at, err = time.Now(), send()
	}
	if err != nil {
		return at, fmt.Errorf("trace: send udp probe: %w", err)
	}
	return at, nil
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
		level, mtuDiscover, pmtuProbe, recvErr, recvTTL := unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE, unix.IP_RECVERR, unix.IP_RECVTTL
		if s.v6 {
			level, mtuDiscover, pmtuProbe, recvErr, recvTTL = unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_PROBE, unix.IPV6_RECVERR, unix.IPV6_RECVHOPLIMIT
		}
		if s.cfg.MTU {
			set(fd, level, mtuDiscover, pmtuProbe)
		}
		if s.errq {
			set(fd, level, recvErr, 1)
			set(fd, level, recvTTL, 1)
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

package probe

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"netdx/icmpmsg"
)

// setup wraps c.pc in x/net's ipv4 or ipv6 PacketConn and sets what x/net
// covers: the TTL (hop limit) control message on reads and, on a raw
// socket, the ICMP type filter. It also reads the default TTL and picks
// the echo id, which a raw socket's BPF filter then asks of echo replies.
func (c *Conn) setup() error {
	sc, ok := c.pc.(syscall.Conn)
	if !ok {
		return fmt.Errorf("probe: listen: %T has no file descriptor", c.pc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("probe: listen: %w", err)
	}
	c.rc = rc
	if c.v6 {
		c.p6 = ipv6.NewPacketConn(c.pc)
		if err := c.p6.SetControlMessage(ipv6.FlagHopLimit, true); err != nil {
			return fmt.Errorf("probe: receive hop limits: %w", err)
		}
		if c.raw {
			// Only what ping and trace use: errors and echo replies.
			var f ipv6.ICMPFilter
			f.SetAll(true)
			for _, t := range []ipv6.ICMPType{ipv6.ICMPTypeDestinationUnreachable, ipv6.ICMPTypePacketTooBig,
				ipv6.ICMPTypeTimeExceeded, ipv6.ICMPTypeParameterProblem, ipv6.ICMPTypeEchoReply} {
				f.Accept(t)
			}
			if err := c.p6.SetICMPFilter(&f); err != nil {
				return fmt.Errorf("probe: set ICMPv6 filter: %w", err)
			}
		}
		c.defTTL = -1 // IPV6_UNICAST_HOPS -1: the route's default
	} else {
		c.p4 = ipv4.NewPacketConn(c.pc)
		if err := c.p4.SetControlMessage(ipv4.FlagTTL, true); err != nil {
			return fmt.Errorf("probe: receive TTLs: %w", err)
		}
		if c.raw {
			// Echo reply, unreachable, source quench, time exceeded and
			// parameter problem.
			var f ipv4.ICMPFilter
			f.SetAll(true)
			for _, t := range []ipv4.ICMPType{ipv4.ICMPTypeEchoReply, ipv4.ICMPTypeDestinationUnreachable,
				ipv4.ICMPType(icmpmsg.TypeSourceQuench), ipv4.ICMPTypeTimeExceeded, ipv4.ICMPTypeParameterProblem} {
				f.Accept(t)
			}
			if err := c.p4.SetICMPFilter(&f); err != nil {
				return fmt.Errorf("probe: set ICMP filter: %w", err)
			}
		}
		ttl, err := c.p4.TTL()
		if err != nil {
			return fmt.Errorf("probe: get TTL: %w", err)
		}
		c.defTTL = ttl
	}
	if !c.raw {
		// The kernel's echo id is the datagram socket's local port.
		a, ok := c.pc.LocalAddr().(*net.UDPAddr)
		if !ok {
			return fmt.Errorf("probe: datagram ICMP socket with local address %v", c.pc.LocalAddr())
		}
		c.id = a.Port
		return nil
	}
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("probe: random echo id: %w", err)
	}
	c.id = int(binary.BigEndian.Uint16(b[:]))
	prog, err := bpf.Assemble(echoIDFilter(c.v6, c.id))
	if err == nil {
		if c.v6 {
			err = c.p6.SetBPF(prog)
		} else {
			err = c.p4.SetBPF(prog)
		}
	}
	if err != nil {
		return fmt.Errorf("probe: set the echo id filter: %w", err)
	}
	return nil
}

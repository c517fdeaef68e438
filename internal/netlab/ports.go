package netlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// This file holds what a node does with TCP and UDP ports: serving them,
// filtering them, rejecting them, and a transfer that must arrive whole.
// A port with nothing listening and no fault is closed: the kernel answers
// TCP with a reset and UDP with a port unreachable.

// Ports is a range of TCP or UDP ports, First to Last inclusive.
type Ports struct{ First, Last uint16 }

// Port is the range of one port.
func Port(p uint16) Ports { return Ports{p, p} }

// TraceroutePorts are the UDP ports classic traceroute probes, 33434 and
// the hundred after it; netdx's UDP probes go to 33434.
var TraceroutePorts = Ports{33434, 33534}

// String is the range as nftables writes it: "22" or "33434-33534".
func (p Ports) String() string {
	if p.First == p.Last {
		return fmt.Sprint(p.First)
	}
	return fmt.Sprintf("%d-%d", p.First, p.Last)
}

// ServeTCP listens on each port on all the node's addresses, IPv4 and
// IPv6, as Sink does (accepting every connection and reading it to the
// end), until the end of the lab.
func (n *Node) ServeTCP(ports ...uint16) {
	n.lab.tb.Helper()
	for _, p := range ports {
		n.Sink(netip.AddrPortFrom(netip.IPv6Unspecified(), p))
	}
}

// FilterTCP drops the TCP segments to ports at hook without a word: at
// Input, a host whose firewall filters them (a connection attempt times
// out, where a closed port resets it at once).
func (n *Node) FilterTCP(hook Hook, ports Ports) {
	n.Fault(hook, fmt.Sprintf("tcp dport %s drop", ports))
}

// RejectUDP answers the UDP datagrams to ports at hook with the ICMP error
// kind instead of passing them on, in both families: kind is one that
// ICMP and ICMPv6 both have (AdminProhibited, PortUnreachable,
// HostUnreachable — ICMPv6 address unreachable —, NoRoute6 — ICMP net
// unreachable). RejectUDP(Forward, TraceroutePorts, AdminProhibited) is a
// router that answers traceroute's UDP probes with !X while ping passes.
func (n *Node) RejectUDP(hook Hook, ports Ports, kind string) {
	n.Fault(hook, fmt.Sprintf("udp dport %s reject with icmpx type %s", ports, kind))
}

// Upload sends size bytes from n to dst over one TCP connection and
// returns once dst has read them all: dst must be a Sink (or ServeTCP),
// which closes its side when it has read everything. It gives up when ctx
// ends, with an error that wraps ctx's and says how much it had queued,
// and resets the connection: a transfer that stalls (through a path MTU
// black hole) ends that way.
func (n *Node) Upload(ctx context.Context, dst netip.AddrPort, size int64) error {
	var c net.Conn
	err := n.Do(func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", dst.String())
		return err
	})
	if err != nil {
		return fmt.Errorf("netlab: %s: upload to %s: %w", n.name, dst, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()

	buf := make([]byte, 64<<10)
	var sent int64
	for sent < size && err == nil {
		var w int
		w, err = c.Write(buf[:min(int64(len(buf)), size-sent)])
		sent += int64(w)
	}
	if err == nil {
		err = c.(*net.TCPConn).CloseWrite()
	}
	if err == nil {
		// The sink closes once it has read everything.
		_, err = io.Copy(io.Discard, c)
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		// Reset rather than leave the kernel retransmitting what was
		// not sent, long after the caller moved on.
		_ = c.(*net.TCPConn).SetLinger(0)
		return fmt.Errorf("netlab: %s: upload to %s (%d of %d bytes queued): %w", n.name, dst, sent, size, err)
	}
	return nil
}

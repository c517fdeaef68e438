//go:build !linux

package probe

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// Conn is an ICMP socket; only Linux is supported.
type Conn struct{}

// Listen returns ErrUnsupported outside Linux.
func Listen(ctx context.Context, cfg ConnConfig) (*Conn, error) {
	return nil, fmt.Errorf("probe: listen: %w", ErrUnsupported)
}

func (c *Conn) Raw() bool  { return false }
func (c *Conn) IPv6() bool { return false }
func (c *Conn) ID() int    { return 0 }
func (c *Conn) WriteTo(b []byte, dst netip.Addr, o WriteOptions) (time.Time, error) {
	return time.Time{}, ErrUnsupported
}
func (c *Conn) ReadPacket(buf []byte) (Packet, error) { return Packet{}, ErrUnsupported }
func (c *Conn) SetReadDeadline(t time.Time) error     { return ErrUnsupported }
func (c *Conn) Close() error                          { return nil }
func (c *Conn) Pending() bool                         { return false }
func (c *Conn) ZoneIndex(zone string) (int, error)    { return 0, ErrUnsupported }

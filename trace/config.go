package trace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"netdx/probe"
)

// ErrConfig is returned (wrapped) for a Config that cannot be run.
var ErrConfig = errors.New("trace: bad configuration")

// Config configures a trace. The zero value is a UDP trace like
// traceroute's: 3 probes a hop from TTL 1 to 30, a wait of at most 5 s.
type Config struct {
	// Protocol is "udp" (the default), "icmp" or "tcp".
	Protocol string
	// Port is the destination port: 33434 for UDP, 443 for TCP.
	Port int
	// FirstTTL (default 1) and MaxTTL (default 30) bound the TTLs probed.
	FirstTTL, MaxTTL int
	// Queries is the number of probes per hop and flow (default 3).
	Queries int
	// Flows is the number of flows explored (default 1): each keeps its
	// own ports (UDP, TCP) or ICMP checksum on every TTL, so that load
	// balancers send it one way (Paris traceroute).
	Flows int
	// Wait bounds the adaptive wait for an answer (default 5 s); it is
	// also the deadline for retries to rate-limited hops.
	Wait time.Duration
	// PPS caps the probes sent per second (default 1000, after a burst
	// of 16); negative: no cap.
	PPS int
	// Retries is how often a missing probe of a hop that answered others
	// is sent again (default 2); negative: never, and no polling of a
	// silent target either (report rounds use this).
	Retries int
	// Size is the payload of UDP and ICMP probes in bytes (default 32,
	// traceroute's 60-byte IPv4 packets).
	Size int
	// MTU finds the path MTU, tracepath's way: probes start at the
	// interface MTU with DF set and shrink on Fragmentation Needed.
	MTU bool
	// Source and Interface pin the probes' source address and device.
	Source    netip.Addr
	Interface string
	// Mode is the ICMP socket kind (probe.ModeAuto: raw when permitted,
	// else unprivileged: ICMP datagram sockets, UDP with IP_RECVERR).
	Mode probe.Mode

	// OnReady, if set, is called once the sockets are open, before the
	// first probe, from the goroutine that called Run (to drop
	// privileges, say).
	OnReady func()
	// OnHop, if set, is called with each hop as soon as it is complete,
	// in TTL order, from the goroutine that called Run.
	OnHop func(Hop)
	// OnAnswer, if set, is called with the address of every answer as
	// it arrives (to start a reverse lookup early, say).
	OnAnswer func(netip.Addr)

	target netip.Addr
	zone   int // the interface index of target's zone, 0 without one
}

func (c Config) withDefaults(target netip.Addr) (Config, error) {
	c.target = target.Unmap()
	if !c.target.IsValid() {
		return c, fmt.Errorf("%w: no target address", ErrConfig)
	}
	if z := c.target.Zone(); z != "" {
		ifi, err := zoneInterface(z)
		if err != nil {
			return c, fmt.Errorf("%w: zone %q of %s names no interface: %v", ErrConfig, z, c.target, err)
		}
		c.zone = ifi.Index
	}
	switch c.Protocol {
	case "":
		c.Protocol = "udp"
	case "udp", "icmp", "tcp":
	default:
		return c, fmt.Errorf("%w: protocol %q (want icmp, udp or tcp)", ErrConfig, c.Protocol)
	}
	if c.Port == 0 {
		c.Port = 33434
		if c.Protocol == "tcp" {
			c.Port = 443
		}
	}
	if c.FirstTTL == 0 {
		c.FirstTTL = 1
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = 30
	}
	if c.Queries == 0 {
		c.Queries = 3
	}
	if c.Flows == 0 {
		c.Flows = 1
	}
	if c.Wait == 0 {
		c.Wait = 5 * time.Second
	}
	if c.PPS == 0 {
		c.PPS = 1000
	}
	if c.Retries == 0 {
		c.Retries = 2
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.Size == 0 {
		c.Size = 32
	}
	switch {
	case c.Port < 1 || c.Port > 65535:
		return c, fmt.Errorf("%w: port %d", ErrConfig, c.Port)
	case c.FirstTTL < 1 || c.MaxTTL > 255 || c.FirstTTL > c.MaxTTL:
		return c, fmt.Errorf("%w: ttl range %d..%d (want 1 <= first <= max <= 255)", ErrConfig, c.FirstTTL, c.MaxTTL)
	case c.Queries < 1 || c.Queries > 10:
		return c, fmt.Errorf("%w: %d probes per hop (want 1..10)", ErrConfig, c.Queries)
	case c.Flows < 1 || c.Flows > 64:
		return c, fmt.Errorf("%w: %d flows (want 1..64)", ErrConfig, c.Flows)
	case c.Retries > 3:
		return c, fmt.Errorf("%w: %d retries (want at most 3)", ErrConfig, c.Retries)
	case c.Wait < 0:
		return c, fmt.Errorf("%w: negative wait", ErrConfig)
	case c.Size < minSize(c.Protocol) || c.Size > 65000:
		return c, fmt.Errorf("%w: probe size %d (want %d..65000 for %s probes)", ErrConfig, c.Size, minSize(c.Protocol), c.Protocol)
	case (c.MaxTTL-c.FirstTTL+1)*c.Queries*c.Flows > maxSlots:
		// Every probe of a trace, retries included, needs its own
		// 16-bit token.
		return c, fmt.Errorf("%w: %d TTLs x %d probes x %d flows is more than %d probes a trace", ErrConfig,
			c.MaxTTL-c.FirstTTL+1, c.Queries, c.Flows, maxSlots)
	case c.MTU && c.Protocol == "tcp":
		return c, fmt.Errorf("%w: --mtu works with udp and icmp probes", ErrConfig)
	}
	return c, nil
}

// Validate reports (wrapping ErrConfig) what makes c unfit to trace
// target, before any socket is opened.
func (c Config) Validate(target netip.Addr) error {
	_, err := c.withDefaults(target)
	return err
}

func (c Config) payload() int { return c.Size }

// zoneInterface is the interface a zone names, by name or index, in the
// calling thread's network namespace.
func zoneInterface(z string) (*net.Interface, error) {
	if i, err := strconv.Atoi(z); err == nil {
		return net.InterfaceByIndex(i)
	}
	return net.InterfaceByName(z)
}

// dst is the target to send to: with its zone as an interface index, which
// the kernel reads as the scope of a link-local address, and which needs
// no lookup by name from a thread in another namespace.
func (c Config) dst() netip.Addr {
	if c.zone == 0 {
		return c.target
	}
	return c.target.WithZone(strconv.Itoa(c.zone))
}

// maxSlots bounds the probes of a trace so that they and their retries
// (at most Retries+1 each, and the polling of one TTL) fit in 16-bit
// tokens.
const maxSlots = 12000

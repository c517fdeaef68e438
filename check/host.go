package check

import (
	"context"
	"net/netip"
	"time"

	"netdx/diagnose"
	"netdx/sockets"
)

// HostConfig configures the host checks; start from DefaultHostConfig.
// Every field is taken as it is.
type HostConfig struct {
	// NetNS is a network namespace's path; empty: the caller's.
	NetNS string
	// Interval between the two counter samples; 0 reads counters since
	// boot only.
	Interval time.Duration
	// AllowedGateways are the expected gateways.
	AllowedGateways []netip.Addr
}

// DefaultHostConfig samples counters one second apart, to tell what
// happens now from what happened since boot, in the caller's namespace.
func DefaultHostConfig() HostConfig { return HostConfig{Interval: time.Second} }

// configs are the engines' configs for c: every TCP and UDP socket with
// its owner (a process running from a deleted file may hold only an
// outgoing connection) and the routes via gateways; no connections ranked
// by retransmits (the rules do not read them).
func (c HostConfig) configs() (LinkConfig, sockets.Config) {
	l := DefaultLinkConfig()
	l.Link.NetNS, l.Link.Interval, l.Top = c.NetNS, c.Interval, 0
	s := sockets.DefaultConfig()
	s.NetNS, s.All, s.Owners, s.Routes, s.AllowedGateways = c.NetNS, true, true, true, c.AllowedGateways
	return l, s
}

// Validate reports (as the engines' ConfigErrors) what makes c unfit to
// run.
func (c HostConfig) Validate() error {
	l, s := c.configs()
	if err := l.Validate(false); err != nil {
		return err
	}
	return s.Validate()
}

// HostSources are the engines that read the host as c says.
func HostSources(c HostConfig) Sources {
	l, s := c.configs()
	return Sources{
		Link: func(ctx context.Context) (diagnose.LinkEvidence, error) { return Link(ctx, l) },
		// The socket table is one snapshot that takes a fraction of a
		// second: an interrupt lets it finish.
		Sockets: func(ctx context.Context) (sockets.Table, error) { return sockets.List(context.WithoutCancel(ctx), s) },
	}
}

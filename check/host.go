package check

import (
	"context"
	"net/netip"
	"time"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
)

// DefaultInterval is how far apart the host checks sample interface and
// TCP counters, to tell what happens now from what happened since boot.
const DefaultInterval = time.Second

// HostConfig configures the host checks. The zero value samples counters
// one second apart in the caller's namespace and lists every TCP and UDP
// socket with its owner (a process running from a deleted file may hold
// only an outgoing connection), and the routes via gateways.
type HostConfig struct {
	// NetNS is a network namespace's path; empty: the caller's.
	NetNS string
	// Interval between the two counter samples (default 1 s);
	// ExplicitZero reads counters since boot only.
	Interval time.Duration
	// AllowedGateways are the expected gateways.
	AllowedGateways []netip.Addr
}

func (c HostConfig) configs() (LinkConfig, sockets.Config) {
	iv := c.Interval
	switch iv {
	case 0:
		iv = DefaultInterval
	case ExplicitZero:
		iv = link.ExplicitZero
	}
	return LinkConfig{Link: link.Config{NetNS: c.NetNS, Interval: iv}},
		sockets.Config{NetNS: c.NetNS, All: true, Owners: true, Routes: true, AllowedGateways: c.AllowedGateways}
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

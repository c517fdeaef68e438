package check

import (
	"context"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
)

// LinkConfig configures the link check: the interfaces and TCP/IP counters
// package link reads, and the sockets package sockets reads to go with
// them. Start from DefaultLinkConfig; every field is taken as it is.
type LinkConfig struct {
	// Link says which namespace and interfaces to read, and over which
	// interval.
	Link link.Config
	// Proc is where /proc is mounted: the owners of the capture sockets
	// and of the worst connections are found under it, in one scan; empty
	// means /proc.
	Proc string
	// Top is how many TCP connections with the most retransmits to list
	// (0: none).
	Top int
	// NoCaptures skips the capture sockets (and the /proc scan for their
	// owners).
	NoCaptures bool
}

// DefaultLinkConfig is `netdx link`'s: every interface of the caller's
// namespace read once (link.DefaultConfig), with its capture sockets and
// their owners, and the 5 TCP connections with the most retransmits.
func DefaultLinkConfig() LinkConfig { return LinkConfig{Link: link.DefaultConfig(), Top: 5} }

// Validate reports (as the engines' ConfigErrors, or check's own for Top)
// what makes c unfit to read once (watch false) or to keep sampling
// (watch true).
func (c LinkConfig) Validate(watch bool) error {
	if err := c.Link.Validate(watch); err != nil {
		return err
	}
	if c.Top < 0 {
		return bad("Top", c.Top, "want 0 or more connections")
	}
	return nil
}

// Link reads the interfaces and counters of c's namespace (twice, with
// rates, when c.Link.Interval is set) and the sockets that go with them.
// When ctx ends during the interval, the second sample is taken at once,
// as link.Collect does, and the sockets are still read.
func Link(ctx context.Context, c LinkConfig) (diagnose.LinkEvidence, error) {
	if err := c.Validate(false); err != nil {
		return diagnose.LinkEvidence{}, err
	}
	snap, err := link.Collect(ctx, c.Link)
	if err != nil {
		return diagnose.LinkEvidence{}, err
	}
	return linkSockets(ctx, c, snap)
}

// WatchLink samples every c.Link.Interval until ctx ends, calling fn with each sample and its sockets. An
// error from fn stops it; the end of ctx is not an error.
func WatchLink(ctx context.Context, c LinkConfig, fn func(diagnose.LinkEvidence) error) error {
	if err := c.Validate(true); err != nil {
		return err
	}
	return link.Watch(ctx, c.Link, func(snap link.Snapshot) error {
		ev, err := linkSockets(ctx, c, snap)
		if err != nil {
			return err
		}
		return fn(ev)
	})
}

// linkSockets reads the capture sockets and the worst TCP connections of
// c's namespace, finds the owners of both in one /proc scan, and puts them
// together with snap. A reading under way is finished even when ctx ends.
func linkSockets(ctx context.Context, c LinkConfig, snap link.Snapshot) (diagnose.LinkEvidence, error) {
	ctx = context.WithoutCancel(ctx)
	var caps sockets.Captures
	if !c.NoCaptures {
		var err error
		caps, err = sockets.Capture(ctx, sockets.CaptureConfig{NetNS: c.Link.NetNS, NoOwners: true})
		if err != nil {
			return diagnose.LinkEvidence{}, err
		}
	}
	var worst []sockets.Socket
	if c.Top > 0 {
		sc := sockets.DefaultConfig()
		sc.NetNS, sc.Protos, sc.All, sc.TCPInfo = c.Link.NetNS, []string{"tcp"}, true, true
		t, err := sockets.List(ctx, sc)
		if err != nil {
			return diagnose.LinkEvidence{}, err
		}
		worst = sockets.WorstConnections(t.Sockets, c.Top)
	}
	if err := nameOwners(c.Proc, &caps, worst); err != nil {
		return diagnose.LinkEvidence{}, err
	}
	return diagnose.NewLinkEvidence(snap, caps, worst), nil
}

// nameOwners finds the processes behind the capture sockets and the worst
// connections with one scan of /proc/*/fd.
func nameOwners(proc string, caps *sockets.Captures, worst []sockets.Socket) error {
	want := map[uint32]struct{}{}
	for _, c := range caps.Sockets {
		want[c.Inode] = struct{}{}
	}
	for _, s := range worst {
		if s.Inode != 0 {
			want[s.Inode] = struct{}{}
		}
	}
	if len(want) == 0 {
		return nil
	}
	owners, st, err := sockets.FindOwners(proc, want)
	if err != nil {
		return err
	}
	caps.Owners = &st
	for i := range caps.Sockets {
		c := &caps.Sockets[i]
		if o := owners[c.Inode]; len(o) > 0 {
			c.Owner, c.Others = o[0], o[1:]
		}
	}
	for i := range worst {
		s := &worst[i]
		if o := owners[s.Inode]; len(o) > 0 {
			s.Owner, s.OtherOwners = o[0], o[1:]
		}
	}
	return nil
}

package check

import (
	"context"
	"errors"
	"sync"

	"netdx/diagnose"
	"netdx/link"
	"netdx/sockets"
)

// HostSampler reads the host on the caller's schedule (netdx watch's
// interval) and keeps the previous interface sample, so that each reading
// gives rates, carrier changes and the TCP retransmit interval over the
// real time since the one before, without sleeping. The first reading has
// counters since boot only. Its methods are safe for concurrent use; the
// readings are serialised.
type HostSampler struct {
	link    LinkConfig
	sockets sockets.Config

	mu   sync.Mutex
	prev link.Sample
}

// NewHostSampler checks cfg (its Interval is not used: the caller's
// schedule is the interval).
func NewHostSampler(cfg HostConfig) (*HostSampler, error) {
	cfg.Interval = 0
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l, s := cfg.configs()
	return &HostSampler{link: l, sockets: s}, nil
}

// Sample reads the interfaces (with rates since the previous Sample) with
// their capture sockets, and the socket table. A part that fails leaves its
// zero value and its error; the other part is still read.
func (h *HostSampler) Sample(ctx context.Context) (diagnose.LinkEvidence, sockets.Table, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev diagnose.LinkEvidence
	cur, lerr := link.Read(ctx, h.link.Link)
	if lerr == nil {
		prev := h.prev
		ev, lerr = linkSockets(ctx, h.link, link.Between(&prev, cur))
		h.prev = cur
	}
	// The table is one snapshot: an interrupt lets it finish.
	t, serr := sockets.List(context.WithoutCancel(ctx), h.sockets)
	return ev, t, errors.Join(lerr, serr)
}

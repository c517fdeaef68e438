package link

import (
	"context"
	"time"
)

// Sample is one reading of a namespace's interfaces and TCP/IP counters,
// kept by a caller that samples on its own schedule (netdx watch) so that
// the next reading gives rates over the real time between the two, with no
// sleep in between. Its zero value is no reading.
type Sample struct {
	s sample
}

// Time is when the sample was read (zero for no reading).
func (s Sample) Time() time.Time { return s.s.at }

// Read takes one sample of cfg's namespace: one link dump and the
// /proc/net counters. cfg.Interval is not used. A reading
// under way is finished even when ctx ends.
func Read(ctx context.Context, cfg Config) (Sample, error) {
	if err := cfg.Validate(false); err != nil {
		return Sample{}, err
	}
	s, err := read(context.WithoutCancel(ctx), cfg)
	return Sample{s: s}, err
}

// Between turns cur, and prev when it is a reading, into the snapshot
// Collect would have returned for that interval: rates over the time
// between the two samples (a counter going backwards is a reset), carrier
// changes and the TCP interval. With prev nil or zero, or less than
// MinInterval before cur, the snapshot has counters since boot only.
func Between(prev *Sample, cur Sample) Snapshot {
	var p *sample
	if prev != nil && !prev.s.at.IsZero() && cur.s.at.Sub(prev.s.at) >= MinInterval {
		p = &prev.s
	}
	return finish(p, cur.s)
}
